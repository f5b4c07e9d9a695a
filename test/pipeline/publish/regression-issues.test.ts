// The regression-issue plan over versions made from the site fixture with edited numbers: a
// regression opens one issue with the numbers, links and a marker; later nights update it (with a
// comment only when it regressed again), close it once a version is back within noise of its
// baseline, and a rerun on the same version changes nothing a reader is notified of.
import { describe, expect, it } from "vitest";
import { diffVersions, type VersionLike } from "../../../src/pipeline/publish/diff.ts";
import { markerOf, planIssues, regressionKey, type IssueAction, type OpenIssue } from "../../../src/pipeline/publish/regression-issues.ts";
import { routes } from "../../../src/site/lib/routes.ts";
import { editedVersion, fixtureVersion, moveLayer, tinyOf, withLayerIntervals, type Cell } from "./helpers.ts";

const site = routes("https://octo.github.io/refit/");
const links = { diff: site.diff, cell: site.cell, runUrl: "https://github.com/octo/refit/actions/runs/7" };
/** Layer 1 stability moved by `by`, every layer's interval re-centred on its value (± 0.01). */
const at = (by: number) => (cell: Cell) => {
  moveLayer(0, by)(cell);
  withLayerIntervals(0.01)(cell);
};
const base = editedVersion(fixtureVersion(), "v1", withLayerIntervals(0.01));
const cellId = tinyOf(base).cells[0].cellId;
const KEY = `tiny/${cellId}/layer 1 anchor stability`;
const versions: Record<string, VersionLike> = {
  v1: base,
  v2: editedVersion(base, "v2", at(-0.05)),
  v3same: editedVersion(base, "v3same", at(-0.05)),
  v3worse: editedVersion(base, "v3worse", at(-0.1)),
  v4back: editedVersion(base, "v4back", at(-0.004)),
};

/** The plan after `latest` was published on top of `previous`, with these issues open. */
function plan(previous: string | null, latest: string, open: OpenIssue[] = []): IssueAction[] {
  return planIssues({
    tonight: previous ? diffVersions(versions[previous], versions[latest]) : null,
    latest,
    open,
    sinceBaseline: (id) => (versions[id] ? diffVersions(versions[id], versions[latest]) : null),
    links,
  });
}

/** The issue a plan's "open" or "update" action leaves behind. */
function issueAfter(a: IssueAction, number = 12): OpenIssue {
  if (a.kind === "close") throw new Error("closed");
  return { number, body: a.body };
}

describe("planIssues", () => {
  const [opened] = plan("v1", "v2");

  it("opens one issue for a regression, with the numbers, the diff and cell links and a marker", () => {
    expect(plan("v1", "v2")).toHaveLength(1);
    expect(opened.kind).toBe("open");
    if (opened.kind !== "open") return;
    expect(opened.key).toBe(KEY);
    expect(opened.title).toBe(`Refit regression: layer 1 anchor stability of tiny/${cellId} since v1`);
    // 0.986 - 0.05 = 0.936, judged against v1's interval 0.986 ± 0.01.
    expect(opened.body).toContain(`\`layer 1 anchor stability\` of cell \`tiny/${cellId}\` fell from 0.986 in version \`v1\` to 0.936 in version \`v2\` (change -0.050, beyond seed noise: more than the critical difference of the 95% bootstrap interval [0.976, 0.996] of the seeds).`);
    expect(opened.body).toContain("- Diff of the two versions: https://octo.github.io/refit/diff/v1/v2/");
    expect(opened.body).toContain(`- The cell in \`v2\`: https://octo.github.io/refit/v/v2/cell/tiny/${cellId}/`);
    expect(opened.body).toContain("- Nightly run: https://github.com/octo/refit/actions/runs/7");
    expect(markerOf(opened.body)).toEqual({ key: KEY, baseline: "v1", checked: "v2" });
  });

  it("opens nothing for a move within noise, or for the first version", () => {
    expect(plan("v1", "v4back")).toEqual([]);
    expect(plan(null, "v1")).toEqual([]);
  });

  it("updates the issue without a comment while the metric stays worse than its baseline", () => {
    const [a] = plan("v2", "v3same", [issueAfter(opened)]);
    expect(a).toMatchObject({ kind: "update", number: 12, key: KEY, comment: null });
    expect(markerOf((a as { body: string }).body)).toEqual({ key: KEY, baseline: "v1", checked: "v3same" });
    expect((a as { body: string }).body).toContain("fell from 0.986 in version `v1` to 0.936 in version `v3same`");
  });

  it("comments when the metric regressed again tonight", () => {
    const actions = plan("v2", "v3worse", [issueAfter(opened)]);
    expect(actions).toHaveLength(1);
    const [a] = actions;
    expect(a.kind).toBe("update");
    if (a.kind !== "update") return;
    expect(a.body).toContain("to 0.886 in version `v3worse` (change -0.100");
    // Tonight's move: v2's 0.936 (interval 0.926-0.946) to 0.886.
    expect(a.comment).toContain("Worse again in version `v3worse`: `layer 1 anchor stability` of cell");
    expect(a.comment).toContain("fell from 0.936 in version `v2` to 0.886 in version `v3worse` (change -0.050, beyond seed noise: more than the critical difference of the 95% bootstrap interval [0.926, 0.946]");
    expect(a.comment).toContain("https://octo.github.io/refit/diff/v2/v3worse/");
  });

  it("comments nothing when rerun on the version it last checked", () => {
    const [a] = plan("v1", "v2", [issueAfter(opened)]);
    expect(a).toMatchObject({ kind: "update", comment: null, body: (opened as { body: string }).body });
  });

  it("closes the issue once a version is back within noise of the baseline", () => {
    const [a] = plan("v3same", "v4back", [issueAfter(opened)]);
    expect(a).toEqual({
      kind: "close",
      number: 12,
      key: KEY,
      comment: "Recovered in version `v4back`: `layer 1 anchor stability` is 0.982 against 0.986 in `v1` (change -0.004, interval [0.976, 0.996]), so it is back within seed noise.",
    });
  });

  it("closes duplicates, issues whose baseline is gone and issues whose cell is no longer published", () => {
    const duplicate = plan("v2", "v3same", [issueAfter(opened, 12), issueAfter(opened, 15)]);
    expect(duplicate.map((a) => [a.kind, "number" in a ? a.number : null])).toEqual([["update", 12], ["close", 15]]);
    expect((duplicate[1] as { comment: string }).comment).toContain("duplicate of #12");

    const orphan = { number: 3, body: (opened as { body: string }).body.replace('baseline="v1"', 'baseline="v0"') };
    expect(plan("v2", "v3same", [orphan])[0]).toMatchObject({ kind: "close", number: 3, comment: expect.stringContaining("`v0` is not published") });

    const gone = { number: 4, body: (opened as { body: string }).body.replace(encodeURIComponent(KEY), encodeURIComponent("tiny/nosuchcell/layer 1 anchor stability")) };
    expect(plan("v2", "v3same", [gone])[0]).toMatchObject({ kind: "close", number: 4, comment: "Closing: version `v3same` no longer publishes this cell and metric." });
  });

  it("ignores issues without a marker and keeps marker text from breaking out", () => {
    expect(plan("v2", "v3same", [{ number: 9, body: "a hand-written issue" }])).toEqual([]);
    const hostile = { suite: 'x" -->', cellId: "`c`", metric: "m" };
    const [a] = planIssues({
      tonight: { from: "a", to: "b", reversed: false, added: [], removed: [], retrained: [], moves: [{ ...hostile, family: "stability", before: 1, after: 0.5, delta: -0.5, interval: [0.9, 1], beyondNoise: true, detectable: 0.101, regression: true }] },
      latest: "b",
      open: [],
      sinceBaseline: () => null,
      links,
    });
    const body = (a as { body: string }).body;
    expect(markerOf(body)).toEqual({ key: regressionKey(hostile), baseline: "a", checked: "b" });
    expect(body.split("\n")[0].match(/-->/g)).toHaveLength(1);
    expect(body).toContain("cell `x\" -->/c`");
  });
});
