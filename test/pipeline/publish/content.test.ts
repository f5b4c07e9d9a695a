import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";

const FIXTURE = path.resolve("test/fixtures/content");

/** A writable copy of the fixture; `edit` changes one suite file and the manifest's checksum follows unless `keepSha`. */
function copyWith(edit: (suite: Record<string, any>) => void, { keepSha = false } = {}): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "refit-content-"));
  fs.cpSync(FIXTURE, root, { recursive: true });
  const dir = path.join(root, "versions", "2026-02-09.1");
  const file = path.join(dir, "tiny.json");
  const suite = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(suite);
  fs.writeFileSync(file, JSON.stringify(suite));
  if (!keepSha) {
    const manifestFile = path.join(dir, "manifest.json");
    const manifest = JSON.parse(fs.readFileSync(manifestFile, "utf8"));
    manifest.suites.find((s: { name: string }) => s.name === "tiny").result.sha256 = createHash("sha256").update(fs.readFileSync(file)).digest("hex");
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  }
  return root;
}

describe("loadContent", () => {
  it("reads every fixture version, oldest first, with latest the newest", () => {
    const c = loadContent(FIXTURE);
    expect(c.versions.map((v) => v.id)).toEqual(["2026-01-05.1", "2026-02-09.1", "2026-02-23.1", "2026-02-26.1"]);
    expect(c.latest?.id).toBe("2026-02-26.1");
    expect(c.latest!.suites.map((s) => [s.name, s.result.cells.length, s.attention?.cells.length])).toEqual([["prompt-length", 3, 3], ["tiny", 1, 1], ["tiny-grid", 4, 4], ["scale", 8, 8]]);
    expect(c.versions[0].suites[0].result.suite.seeds).toBe(2);
    expect(c.latest!.suites[0].result.cells[0].runs[0].curve!.length).toBeGreaterThan(0);
  });

  it("names the file and the field of a malformed result", () => {
    const root = copyWith((s) => (s.cells[0].stats.nLayers = "two"));
    expect(() => loadContent(root)).toThrow(/versions\/2026-02-09\.1\/tiny\.json: cells\[0\]\.stats\.nLayers: .*number/);
  });

  it("refuses a published file whose bytes changed after publishing", () => {
    const root = copyWith((s) => (s.suite.description = "edited"), { keepSha: true });
    expect(() => loadContent(root)).toThrow(/tiny\.json: its SHA-256 is [0-9a-f]{64}, but .*manifest\.json suites\.0\.result\.sha256/);
  });

  it("refuses a latest pointer to a version that does not exist", () => {
    const root = copyWith(() => {});
    fs.writeFileSync(path.join(root, "latest.json"), JSON.stringify({ schemaVersion: 1, kind: "refit.latest", version: "nope" }));
    expect(() => loadContent(root)).toThrow(/latest\.json: version: "nope" is not a folder/);
  });

  it("returns no versions and no latest for an empty content root", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "refit-empty-"));
    expect(loadContent(root)).toEqual({ root, versions: [], latest: null });
  });
});
