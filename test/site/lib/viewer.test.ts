import { describe, expect, it } from "vitest";
import type { CellStats } from "../../../src/pipeline/artifacts/cell-stats.ts";
import { INDUCTION_THRESHOLD } from "../../../src/pipeline/compare/induction.ts";
import { interestingHead, parseViewerQuery, viewerQuery } from "../../../src/site/lib/viewer.ts";

describe("viewerQuery", () => {
  it("writes layer, head and probe 1-based and reads them back 0-based", () => {
    const q = viewerQuery("tiny grid", "abc", { layer: 1, head: 0, probe: 3 });
    expect(q).toBe("?suite=tiny+grid&cell=abc&layer=2&head=1&probe=4");
    expect(parseViewerQuery(q)).toEqual({ suite: "tiny grid", cell: "abc", layer: 1, head: 0, probe: 3 });
  });
  it("reads a missing or malformed index as -1", () => {
    expect(parseViewerQuery("?layer=0&head=x&probe=1.5")).toEqual({ suite: null, cell: null, layer: -1, head: -1, probe: -1 });
  });
});

describe("interestingHead", () => {
  const stats = (s: Partial<CellStats>) => ({ headStability: [[0.5, 0.9], [0.7, 0.6]], ...s }) as CellStats;
  it("opens on the strongest induction head where the anchor has one (score >= the control's threshold)", () => {
    const h = interestingHead(stats({ headInduction: [[0.1, 0.2], [0.85, INDUCTION_THRESHOLD]], headExcess: [[0.3, 0], [0, 0]] }));
    expect(h).toEqual({ layer: 1, head: 0, why: "the anchor's strongest induction head, score 0.850" });
  });
  it("falls back to the head most stable beyond its nulls when no head is an induction head, then to the most stable", () => {
    expect(interestingHead(stats({ headInduction: [[0.08, 0.07], [0.03, 0.39]], headExcess: [[0.1, -0.2], [0.25, 0.05]] }))).toMatchObject({ layer: 1, head: 0 });
    expect(interestingHead(stats({ headInduction: null }))).toEqual({ layer: 0, head: 1, why: "the most stable, head stability 0.900" });
    expect(interestingHead(null)).toEqual({ layer: 0, head: 0, why: "" });
  });
});
