import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { LatestPointerSchema } from "../../../src/pipeline/artifacts/manifest.ts";
import { readJson } from "../../../src/pipeline/artifacts/store.ts";
import { listVersions, newestCreatedAt, nextVersionId, pointLatest, writeVersion } from "../../../src/pipeline/publish/version.ts";
import { FIXTURE_CONTENT } from "./helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-version-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("nextVersionId", () => {
  it("numbers versions per UTC day, one past the largest used", () => {
    const day = new Date("2026-11-25T23:30:00Z");
    expect(nextVersionId([], day)).toBe("2026-11-25.1");
    expect(nextVersionId(["2026-11-24.7", "2026-11-25.1", "2026-11-25.10", "2026-11-25.2", "custom"], day)).toBe("2026-11-25.11");
    // 23:30 in UTC-5 is already the next day in UTC.
    expect(nextVersionId(["2026-11-25.3"], new Date("2026-11-25T23:30:00-05:00"))).toBe("2026-11-26.1");
  });
});

describe("listVersions", () => {
  it("lists version folders in name order and skips hidden temp folders", () => {
    const content = path.join(tmp, "list");
    for (const d of ["2026-01-02.1", ".tmp-2026-01-03.1-99-ab", "2026-01-01.1"]) fs.mkdirSync(path.join(content, "versions", d), { recursive: true });
    expect(listVersions(content)).toEqual(["2026-01-01.1", "2026-01-02.1"]);
    expect(listVersions(path.join(tmp, "absent"))).toEqual([]);
  });
});

describe("newestCreatedAt", () => {
  it("reads the latest creation time from the manifests", () => {
    expect(newestCreatedAt(FIXTURE_CONTENT)).toBe("2026-02-26T12:00:00.000Z");
    expect(newestCreatedAt(path.join(tmp, "absent"))).toBeNull();
  });
});

describe("writeVersion", () => {
  it("writes exactly the given files and refuses to write the same id again", () => {
    const content = path.join(tmp, "write");
    const dir = writeVersion(content, "v1", [{ name: "a.json", contents: "{}\n" }, { name: "manifest.json", contents: "[1]\n" }]);
    expect(dir).toBe(path.join(content, "versions", "v1"));
    expect(fs.readdirSync(dir).sort()).toEqual(["a.json", "manifest.json"]);
    expect(fs.readFileSync(path.join(dir, "manifest.json"), "utf8")).toBe("[1]\n");
    expect(() => writeVersion(content, "v1", [{ name: "a.json", contents: "changed" }])).toThrow(/version v1 already exists.*never overwritten/);
    expect(fs.readFileSync(path.join(dir, "a.json"), "utf8")).toBe("{}\n");
  });

  it("leaves no version and no temp folder when a write fails midway", () => {
    const content = path.join(tmp, "fail");
    const files = [{ name: "a.json", contents: "{}" }, { name: "../escape.json", contents: "{}" }];
    expect(() => writeVersion(content, "v1", files)).toThrow(/"..\/escape.json" must be a plain file name/);
    expect(fs.readdirSync(path.join(content, "versions"))).toEqual([]);
    expect(fs.existsSync(path.join(content, "escape.json"))).toBe(false);
  });

  it("refuses ids that are not URL-safe path segments", () => {
    expect(() => writeVersion(path.join(tmp, "bad"), "../x", [])).toThrow(/version id "..\/x"/);
  });
});

describe("pointLatest", () => {
  it("writes a valid latest pointer", () => {
    const content = path.join(tmp, "latest");
    pointLatest(content, "2026-11-25.2");
    expect(readJson(path.join(content, "latest.json"), LatestPointerSchema).version).toBe("2026-11-25.2");
  });
});
