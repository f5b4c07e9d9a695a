import { describe, it, expect, afterEach } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { execFileSync } from "node:child_process";
import { gitCommit, provenance } from "../../../src/pipeline/artifacts/provenance.ts";
import { ProvenanceSchema } from "../../../src/pipeline/artifacts/conventions.ts";

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), "refit-prov-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe("provenance", () => {
  it("matches ProvenanceSchema and reports the installed versions", () => {
    const p = provenance("wasm");
    expect(ProvenanceSchema.parse(p)).toEqual(p);
    const pkg = JSON.parse(fs.readFileSync(new URL("../../../package.json", import.meta.url), "utf8"));
    expect(p.refitVersion).toBe(pkg.version);
    expect(p.tfjs).toBe("4.22.0");
    expect(p.node).toBe(process.versions.node);
    expect(p.backend).toBe("wasm");
    expect(p.machine.cpus).toBe(os.cpus().length);
    expect(p.machine.memGiB).toBeCloseTo(os.totalmem() / 2 ** 30, 1);
  });
});

describe("gitCommit", () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" }).trim();

  it("returns null outside a git checkout", () => {
    expect(gitCommit(tempDir())).toBeNull();
  });

  it("returns HEAD at the top of a checkout, and null for a folder inside someone else's repository", () => {
    const repo = tempDir();
    git(repo, "init", "-q");
    expect(gitCommit(repo)).toBeNull(); // no commits yet
    git(repo, "commit", "-q", "--allow-empty", "-m", "x");
    expect(gitCommit(repo)).toBe(git(repo, "rev-parse", "HEAD"));
    expect(gitCommit(repo)).toMatch(/^[0-9a-f]{40}$/);
    const nested = path.join(repo, "node_modules", "refit");
    fs.mkdirSync(nested, { recursive: true });
    expect(gitCommit(nested)).toBeNull();
  });
});
