// `refit site` refuses a content folder with nothing published (exit 2, naming the folder) unless
// --allow-empty is given, so a mistyped --content cannot deploy a blank leaderboard. It shows each
// version's attestation (hand-made bundles), and a build that fails, on damaged content, part-way or
// while copying to a full file system, leaves --out as it was and no staging folder, with one line.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../../../src/pipeline/cli.ts";
import { sha256Hex } from "../../../src/pipeline/artifacts/hash.ts";
import { emptyContentReason } from "../../../src/pipeline/publish/site.ts";
import { handMadeBundle } from "../publish/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BIN = path.join(ROOT, "bin/refit.mjs");
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

describe("refit site and attestations", () => {
  it("shows each version's attestation on its page, in the versions list and on diff pages, with the command that checks the signature", async () => {
    const content = path.join(tmp, "attested");
    fs.cpSync(path.resolve("test/fixtures/content"), content, { recursive: true });
    const dir = (id: string) => path.join(content, "versions", id);
    const manifestSha = (id: string) => sha256Hex(fs.readFileSync(path.join(dir(id), "manifest.json")));
    fs.writeFileSync(path.join(dir("2026-02-26.1"), "attestation.json"), JSON.stringify(handMadeBundle(manifestSha("2026-02-26.1"))));
    fs.writeFileSync(path.join(dir("2026-02-23.1"), "attestation.json"), JSON.stringify(handMadeBundle(manifestSha("2026-02-26.1"))));
    const out = path.join(tmp, "dist-attested");
    // In a process of its own: the site's content reader keeps what an earlier build in this process read.
    const r = spawnSync(process.execPath, [BIN, "site", "--content", content, "--out", out], { cwd: tmp, encoding: "utf8", timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const page = (...p: string[]) => fs.readFileSync(path.join(out, ...p, "index.html"), "utf8");

    const latest = page("v", "2026-02-26.1");
    expect(latest).toContain("Attested: the build checked that this version");
    expect(latest).toContain(
      "gh attestation verify content/versions/2026-02-26.1/manifest.json --bundle content/versions/2026-02-26.1/attestation.json --repo example-org/refit --signer-workflow example-org/refit/.github/workflows/nightly.yml",
    );
    expect(page("v", "2026-02-23.1")).toContain("The attestation does not match: the attestation is of SHA-256");
    expect(page("v", "2026-02-09.1")).toContain("Not attested (published before attestation / built locally).");

    const versions = page("versions");
    const cells = [...versions.matchAll(/<span class="attestation (\w+)[^"]*"[^>]*>([^<]+)<\/span>/g)].map((m) => [m[1], m[2]]);
    // Newest first.
    expect(cells).toEqual([
      ["matches", "attested"],
      ["mismatch", "attestation does not match"],
      ["none", "not attested"],
      ["none", "not attested"],
    ]);
    const diff = page("diff", "2026-02-23.1", "2026-02-26.1");
    expect(diff).toMatch(/Attestation: 2026-02-23\.1 <span class="attestation mismatch[^>]*>attestation does not match<\/span>, 2026-02-26\.1 <span class="attestation matches[^>]*>attested<\/span>/);
  }, 300_000);
});

describe("a failed refit site --out", () => {
  const staging = () => fs.readdirSync(ROOT).filter((n) => n.startsWith(".site-build-"));
  /** An --out folder holding an earlier site, which a failed build must leave as it was. */
  function earlierSite(name: string): string {
    const out = path.join(tmp, name);
    fs.mkdirSync(out);
    fs.writeFileSync(path.join(out, "index.html"), "the earlier site\n");
    return out;
  }
  const expectAsBefore = (out: string) => {
    expect(fs.readdirSync(out)).toEqual(["index.html"]);
    expect(fs.readFileSync(path.join(out, "index.html"), "utf8")).toBe("the earlier site\n");
  };
  const refusedLines = (stderr: string) => stderr.trim().split("\n");

  it("stops on a damaged content file before building: exit 2, one line naming it, --out untouched", () => {
    const content = path.join(tmp, "damaged");
    fs.cpSync(path.resolve("test/fixtures/content"), content, { recursive: true });
    const file = path.join(content, "versions", "2026-02-09.1", "tiny.json");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace('"description"', '"description" '));
    const out = earlierSite("dist-damaged");
    const before = staging();
    const r = spawnSync(process.execPath, [BIN, "site", "--content", content, "--out", out], { cwd: tmp, encoding: "utf8", timeout: 120_000 });
    expect(r.status).toBe(2);
    expect(refusedLines(r.stderr)).toEqual([expect.stringMatching(new RegExp(`^refit: ${file}: its SHA-256 is [0-9a-f]{64}, but .*manifest\\.json suites\\.\\d\\.result\\.sha256 says`))]);
    expectAsBefore(out);
    expect(staging()).toEqual(before);
  });

  // The build itself failing part-way, with pages already in its staging folder: a file size limit
  // (RLIMIT_FSIZE) just under the largest content file, which the site copies for download late in
  // the build, makes the kernel cut that copy off with EFBIG. (Half of it would stop the bundler's
  // dependency cache first, before any page exists, which would not test the cleanup.)
  it("fails part-way through the build: exit 1, one line, --out as it was and no staging folder left", () => {
    const fixture = path.resolve("test/fixtures/content");
    const sizes = fs.readdirSync(fixture, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json")).map((f) => fs.statSync(path.join(fixture, f)).size);
    const blocks = Math.ceil(Math.max(...sizes) / 1024) - 1;
    const out = earlierSite("dist-cut");
    const before = staging();
    const r = spawnSync("bash", ["-c", `ulimit -f ${blocks} && exec '${process.execPath}' '${BIN}' site --content '${fixture}' --out '${out}'`], { cwd: tmp, encoding: "utf8", timeout: 300_000 });
    expect(r.status, r.stderr).toBe(1);
    const escaped = out.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    expect(refusedLines(r.stderr), r.stderr).toEqual([expect.stringMatching(new RegExp(`^refit: the site build failed \\(.*(EFBIG|File too large).*\\); --out ${escaped} was left as it was`))]);
    expectAsBefore(out);
    expect(staging()).toEqual(before);
  }, 300_000);

  // The build succeeds in the project and the copy to --out on another, full file system fails: a
  // small tmpfs, where this process may mount one (root on Linux, as .ci/run is).
  it("leaves --out as it was when copying the built site to a full file system fails: exit 1, one line", (ctx) => {
    const mount = path.join(tmp, "small");
    fs.mkdirSync(mount);
    const mounted = process.platform === "linux" && spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", mount]).status === 0;
    if (!mounted) {
      console.warn("skipped: a full file system for --out needs a small tmpfs, and this process may not mount one (run as root on Linux)");
      return ctx.skip();
    }
    try {
      const out = path.join(mount, "dist");
      fs.mkdirSync(out);
      fs.writeFileSync(path.join(out, "index.html"), "the earlier site\n");
      const before = staging();
      const r = spawnSync(process.execPath, [BIN, "site", "--content", path.resolve("test/fixtures/content"), "--out", out], { cwd: tmp, encoding: "utf8", timeout: 300_000 });
      expect(r.status, r.stderr).toBe(1);
      expect(refusedLines(r.stderr), r.stderr).toEqual([expect.stringMatching(/^refit: \S+: no space left on device; .* \(ENOSPC\)$/)]);
      expectAsBefore(out);
      // Nothing half-copied beside it, and no staging folder in the project.
      expect(fs.readdirSync(mount)).toEqual(["dist"]);
      expect(staging()).toEqual(before);
    } finally {
      spawnSync("umount", [mount]);
    }
  }, 300_000);
});
