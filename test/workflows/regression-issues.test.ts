// .github/scripts/regression-issues.ts end to end against a fake gh on PATH that records every call:
// a night with a regression creates the label and one issue; a later night back within noise
// comments on that issue and closes it. The plan itself is tested in
// test/pipeline/publish/regression-issues.test.ts.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { editedVersion, fixtureVersion, FIXTURE_CONTENT, moveLayer, publish, withLayerIntervals } from "../pipeline/publish/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCRIPT = path.join(ROOT, ".github/scripts/regression-issues.ts");
/** Node 22.12-22.17 strip TypeScript types only behind a flag. */
const STRIP = process.features.typescript ? [] : ["--experimental-strip-types", "--no-warnings"];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-issues-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bin = path.join(tmp, "bin");
const log = path.join(tmp, "gh.jsonl");
const issues = path.join(tmp, "issues.json");
const content = path.join(tmp, "content");

interface Call {
  args: string[];
  input: string;
}

beforeAll(() => {
  fs.mkdirSync(bin);
  fs.writeFileSync(
    path.join(bin, "gh"),
    `#!${process.execPath}
const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args, input: fs.readFileSync(0, "utf8") }) + "\\n");
if (args[0] === "issue" && args[1] === "list") process.stdout.write(fs.readFileSync(${JSON.stringify(issues)}, "utf8"));
if (args[0] === "issue" && args[1] === "create") console.log("https://github.com/octo/refit/issues/21");
`,
  );
  fs.chmodSync(path.join(bin, "gh"), 0o755);
  fs.cpSync(FIXTURE_CONTENT, content, { recursive: true });
  const base = editedVersion(fixtureVersion(), "2026-03-01.1", withLayerIntervals(0.01));
  publish(content, base, "2026-03-01T00:00:00.000Z");
  publish(content, editedVersion(base, "2026-03-02.1", moveLayer(0, -0.05)), "2026-03-02T00:00:00.000Z");
});

function night(open: { number: number; body: string }[]): { status: number | null; stdout: string; stderr: string; calls: Call[] } {
  fs.writeFileSync(issues, JSON.stringify(open));
  fs.rmSync(log, { force: true });
  const r = spawnSync(process.execPath, [...STRIP, SCRIPT, "--content", content, "--site-url", "https://octo.github.io/refit/", "--run-url", "https://github.com/octo/refit/actions/runs/9"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
    timeout: 60_000,
  });
  const calls = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Call) : [];
  return { ...r, calls };
}

describe("regression-issues.ts", () => {
  let created: Call;

  it("opens one labelled issue for the night's regression", () => {
    const r = night([]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.args.slice(0, 2).join(" "))).toEqual(["issue list", "label create", "issue create"]);
    expect(r.calls[0].args).toEqual(["issue", "list", "--label", "refit-regression", "--state", "open", "--limit", "500", "--json", "number,body"]);
    created = r.calls[2];
    expect(created.args.slice(2)).toEqual(["--title", "Refit regression: layer 1 anchor stability of tiny/0189587ab56a since 2026-03-01.1", "--label", "refit-regression", "--body-file", "-"]);
    expect(created.input).toContain("fell from 0.986 in version `2026-03-01.1` to 0.936 in version `2026-03-02.1`");
    expect(created.input).toContain("https://octo.github.io/refit/diff/2026-03-01.1/2026-03-02.1/");
    expect(r.stdout).toContain("opened https://github.com/octo/refit/issues/21: tiny/0189587ab56a/layer 1 anchor stability");
  });

  it("comments on the issue and closes it when a later version is back within noise", () => {
    const base = editedVersion(fixtureVersion(), "2026-03-01.1", withLayerIntervals(0.01));
    publish(content, editedVersion(base, "2026-03-03.1", moveLayer(0, -0.002)), "2026-03-03T00:00:00.000Z");
    const r = night([{ number: 21, body: created.input }]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls.map((c) => c.args.join(" "))).toEqual(["issue list --label refit-regression --state open --limit 500 --json number,body", "issue comment 21 --body-file -", "issue close 21 --reason completed"]);
    expect(r.calls[1].input).toMatch(/^Recovered in version `2026-03-03\.1`: `layer 1 anchor stability` is 0\.984 against 0\.986 in `2026-03-01\.1`/);
    expect(r.stdout).toContain("closed #21: tiny/0189587ab56a/layer 1 anchor stability");
  });

  it("refuses to run without the site URL", () => {
    const r = spawnSync(process.execPath, [...STRIP, SCRIPT, "--content", content], { cwd: ROOT, encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("usage: regression-issues.ts");
  });
});
