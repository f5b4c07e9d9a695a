// `refit site` refuses a content folder with nothing published (exit 2, naming the folder) unless
// --allow-empty is given, so a mistyped --content cannot deploy a blank leaderboard.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/pipeline/cli.ts";
import { emptyContentReason } from "../../../src/pipeline/publish/site.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-site-cmd-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

async function stderrOf(argv: string[]): Promise<{ code: number; stderr: string }> {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "error").mockImplementation((...args) => void lines.push(args.join(" ")));
  try {
    return { code: await main(argv), stderr: lines.join("\n") };
  } finally {
    spy.mockRestore();
  }
}

describe("emptyContentReason", () => {
  it("names a missing folder, a folder without versions/ and an empty versions/", () => {
    const missing = path.join(tmp, "nope");
    expect(emptyContentReason(missing)).toBe(`${missing} does not exist`);
    const bare = fs.mkdtempSync(path.join(tmp, "bare-"));
    expect(emptyContentReason(bare)).toBe(`${bare} holds no published version (no versions/ folder)`);
    fs.mkdirSync(path.join(bare, "versions", ".tmp-partial"), { recursive: true });
    expect(emptyContentReason(bare)).toBe(`${path.join(bare, "versions")} is empty`);
  });

  it("accepts the site fixture", () => {
    expect(emptyContentReason(path.resolve("test/fixtures/content"))).toBeNull();
  });
});

describe("refit site", () => {
  it("exits 2 with the folder named when --content does not exist, and builds nothing", async () => {
    const out = path.join(tmp, "dist-missing");
    const { code, stderr } = await stderrOf(["site", "--content", path.join(tmp, "contnet"), "--out", out]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--content ${path.join(tmp, "contnet")}: ${path.join(tmp, "contnet")} does not exist; nothing to publish (pass --allow-empty`);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("exits 2 when the folder holds no version", async () => {
    const empty = fs.mkdtempSync(path.join(tmp, "empty-"));
    const { code, stderr } = await stderrOf(["site", "--content", empty, "--out", path.join(tmp, "dist-empty")]);
    expect(code).toBe(2);
    expect(stderr).toContain("holds no published version");
  });

  it("builds a site that says nothing is published when --allow-empty is given", async () => {
    const empty = fs.mkdtempSync(path.join(tmp, "allowed-"));
    const out = path.join(tmp, "dist-allowed");
    delete process.env.BASE_URL; // vitest's import.meta.env value would override the configured base
    vi.spyOn(console, "log").mockImplementation(() => {});
    expect(await main(["site", "--content", empty, "--out", out, "--allow-empty"])).toBe(0);
    expect(fs.readFileSync(path.join(out, "index.html"), "utf8")).toContain("No version has been published yet.");
  });
});
