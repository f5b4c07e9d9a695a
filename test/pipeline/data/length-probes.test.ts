// The length-stratified probe sets words-5 ... words-50: committed files are what make-probes.ts
// makes, each prompt has exactly its word count, and prompts come in pairs of equal byte length so
// every probe has a same-length partner in the probe-shuffled null.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { probePartners } from "../../../src/pipeline/compare/nulls.ts";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { PROBE_WORD_COUNTS, lengthProbeFile, lengthSetCount, selectWordWindows } from "../../../src/pipeline/data/make-probes.ts";
import { checkProbesFit, loadProbeSet } from "../../../src/pipeline/data/probes.ts";

describe("lengthProbeFile", () => {
  const { heldOut } = splitDocuments(loadBrown(), 0.1);

  it("reproduces every committed words-<n> file exactly", () => {
    for (const words of PROBE_WORD_COUNTS) {
      const file = new URL(`../../../src/pipeline/data/probes/words-${words}.json`, import.meta.url);
      expect(`${JSON.stringify(lengthProbeFile(words, heldOut), null, 2)}\n`).toBe(readFileSync(file, "utf8"));
    }
  });

  it("loads sets of exact word counts, ~400 words each, every probe with a same-length partner", () => {
    for (const words of PROBE_WORD_COUNTS) {
      const set = loadProbeSet(`words-${words}`);
      expect(set.prompts).toHaveLength(lengthSetCount(words));
      for (const p of set.prompts) expect(p.split(" ")).toHaveLength(words);
      expect([...probePartners(set.tokens.map((t) => t.length))]).not.toContain(-1);
      // The description states the nCtx the set needs: the longest probe with BOS.
      const longest = Math.max(...set.tokens.map((t) => t.length));
      expect(() => checkProbesFit(set, longest)).not.toThrow();
      expect(() => checkProbesFit(set, longest - 1)).toThrow(/does not fit/);
    }
    expect(PROBE_WORD_COUNTS.map(lengthSetCount)).toEqual([80, 40, 20, 14, 10, 8]);
  });
});

describe("selectWordWindows", () => {
  it("takes sentence-start windows in equal-byte pairs", () => {
    const docs = [{ id: "d", text: "Red fox ran.\nBig dog sat.\nOld cat ate it.\nA small bird flew off." }];
    const picked = selectWordWindows(docs, { words: 3, count: 2, seed: 1 });
    expect(picked).toHaveLength(2);
    expect(Buffer.byteLength(picked[0])).toBe(Buffer.byteLength(picked[1]));
    // Sentence-start windows of 3 words (the third runs on into no other sentence here).
    for (const p of picked) expect(["Red fox ran.", "Big dog sat.", "Old cat ate", "A small bird"]).toContain(p);
    expect(() => selectWordWindows(docs, { words: 3, count: 4, seed: 1 })).toThrow("only 2 of 4 3-word probes found");
  });
});
