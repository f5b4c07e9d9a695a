import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { paperBibtex, versionBibtex, latexEscape } from "../../../src/site/lib/cite.ts";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { CLAIMS, findingRows, findingSentence, PAPER_REPORTS, scorecard, type FindingRow } from "../../../src/site/lib/findings.ts";

const latest = loadContent(path.resolve("test/fixtures/content")).latest!;
const grid = latest.suites.find((s) => s.name === "tiny-grid")!.result;

const row = (over: Partial<FindingRow>): FindingRow => ({
  id: "finding4", label: "4", claim: "", test: null, statistic: "s", direction: ">", threshold: 0, parts: [], verdict: "supported", value: 0.02, interval: [0.01, 0.03], note: null, formation: null, ...over,
});

describe("findingSentence", () => {
  it("states the statistic, its interval, where the interval lies and the verdict that follows", () => {
    expect(findingSentence(row({}))).toBe(
      "The AdamW-minus-Adam difference in head stability (mean over twin pairs) is 0.020 with 95% interval [0.010, 0.030]. The claim needs it above 0; the interval lies wholly above 0, so the finding is supported in this suite.",
    );
    expect(findingSentence(row({ verdict: "inconclusive", value: 0.001, interval: [-0.01, 0.012] }))).toContain("the interval contains 0, so the finding is inconclusive with this many seeds");
    expect(findingSentence(row({ verdict: "untestable", note: "no cell has 3 or more layers" }))).toBe("Untestable in this suite: no cell has 3 or more layers.");
  });
  it("says, for a control, how many seeds formed the circuit it compares", () => {
    const control = row({ id: "inductionControl", label: "control", threshold: 0.2, value: 0.8, interval: [0.7, 0.9], formation: "Induction heads formed in 6 of 8 seeds; the control compares the anchor with those only." });
    expect(findingSentence(control)).toMatch(/so the finding is supported in this suite\. Induction heads formed in 6 of 8 seeds; /);
  });
  it("is written from the fixture's measured verdicts", () => {
    const f4 = findingRows(grid).find((f) => f.id === "finding4")!;
    const measured = grid.findings!.find((f) => f.id === "finding4")!;
    expect(findingSentence(f4)).toContain(`is ${measured.estimate!.value!.toFixed(3)} with 95% interval [${measured.estimate!.lo!.toFixed(3)}, ${measured.estimate!.hi!.toFixed(3)}]`);
    expect(findingSentence(f4)).toContain(`the finding is ${measured.verdict}`);
    expect(f4.parts.map((p) => p.cells)).toEqual(measured.parts.map((p) => p.cells));
  });
});

describe("PAPER_REPORTS", () => {
  it("restates the paper's reported layer stabilities", () => {
    expect(PAPER_REPORTS.finding1).toContain("from 0.970 at layer 1 to 0.643 at layer 5");
    expect(PAPER_REPORTS.finding4).toContain("from 0.643 (Adam) to 0.871, a difference of +0.228");
  });
});

describe("versionBibtex", () => {
  it("cites the version with its date, suites and commit, LaTeX-escaped", () => {
    const bib = versionBibtex({ ...latest.manifest, version: "2026-02-09_1" }, "https://x.test/v/2026-02-09_1/");
    expect(bib).toMatch(/^@misc\{refit-2026-02-09-1,\n/);
    expect(bib).toContain("title = {{Refit} circuit universality leaderboard, version 2026-02-09\\_1},");
    expect(bib).toContain("year = {2026},\n  month = feb,");
    expect(bib).toContain("howpublished = {\\url{https://x.test/v/2026-02-09_1/}},");
    expect(bib).toContain(`note = {Suites prompt-length, tiny, tiny-grid, scale; refit 0.1.0, commit ${latest.manifest.gitCommit!.slice(0, 12)}},`);
  });
  it("escapes every LaTeX special character", () => {
    expect(latexEscape("a_b%c#d&e{f}$g^h~i\\j")).toBe("a\\_b\\%c\\#d\\&e\\{f\\}\\$g\\^{}h\\~{}i\\textbackslash{}j");
  });
});

describe("paperBibtex", () => {
  it("cites the arXiv paper with its four authors", () => {
    const bib = paperBibtex();
    expect(bib).toContain("@misc{bali2026quantifying,");
    expect(bib).toContain("author = {Bali, Karan and Stanley, Jack and Suresh, Praneet and Bzdok, Danilo},");
    expect(bib).toContain("eprint = {2602.16740},");
  });
});

describe("scorecard", () => {
  it("has the paper's five findings for every suite, each cell the suite's own row", () => {
    const rows = scorecard(latest.suites);
    expect(rows.map((r) => r.label)).toEqual(["1", "2", "3", "4", "5"]);
    latest.suites.forEach((s, i) => {
      expect(rows.map((r) => r.bySuite[i])).toEqual(findingRows(s.result));
    });
  });

  it("adds a control only when some suite tests it, not evaluated where a suite does not carry it", () => {
    const measured = grid.findings!.find((f) => f.id === "finding2")!;
    const control = { ...measured, id: "inductionRepeat" as const, claim: "Known-answer control: c.", verdict: "supported" as const };
    const untested = { ...measured, id: "inductionRank" as const, verdict: "untestable" as const, estimate: null };
    const withControl = { result: { ...grid, findings: [...grid.findings!, control, untested] } };
    const rows = scorecard([withControl, { result: { ...grid, findings: undefined } }]);
    expect(rows.map((r) => r.label)).toEqual(["1", "2", "3", "4", "5", "control"]);
    const [mine, other] = rows[5].bySuite;
    expect([rows[5].id, mine.verdict, mine.value]).toEqual(["inductionRepeat", "supported", measured.estimate!.value]);
    expect([other.verdict, other.value]).toEqual([null, null]);
    expect(rows[0].bySuite[1].verdict).toBeNull(); // a suite without findings: not evaluated
  });

  it("labels each row with the claim the version published, the paper's text only where no suite carries the finding", () => {
    const rule = "Mid-depth layers have the lowest head stability beyond the nulls.";
    const reworded = grid.findings!.map((f) => (f.id === "finding1" ? { ...f, claim: rule } : f));
    const rows = scorecard([{ result: { ...grid, findings: undefined } }, { result: { ...grid, findings: reworded } }]);
    expect(rows[0].claim).toBe(rule);
    expect(rows[0].bySuite[0].claim).toBe(CLAIMS[0]); // the suite without findings keeps the paper's text in its own row
    expect(rows[1].claim).toBe(grid.findings!.find((f) => f.id === "finding2")!.claim);
    expect(rows[1].claim).not.toBe(CLAIMS[1]);
    expect(scorecard([{ result: { ...grid, findings: undefined } }]).map((r) => r.claim)).toEqual([...CLAIMS]);
  });
});
