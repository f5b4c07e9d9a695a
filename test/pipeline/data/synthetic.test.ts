// The synthetic induction corpus and probes: fixed by their seed, documents shaped filler + segment
// + segment within the stated lengths, probes of one length whose only repeated letters are the
// segment's second copy, and the committed probe file exactly what make-probes.ts writes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INDUCTION_PROBES, inductionProbeFile } from "../../../src/pipeline/data/make-probes.ts";
import { DataSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { INDUCTION_CORPUS, INDUCTION_PAIRS_CORPUS, LETTERS, SYNTHETIC_CORPORA, inductionDocuments, inductionPairsDocuments, inductionProbes, shuffledBrownDocuments } from "../../../src/pipeline/data/synthetic.ts";
import { loadBrown } from "../../../src/pipeline/data/corpus.ts";

/** Where the longest run with period n (text[i] = text[i + n]) that ends the text starts. */
function periodicFrom(text: string, n: number): number {
  let start = text.length - n;
  while (start > 0 && text[start - 1] === text[start - 1 + n]) start--;
  return start;
}

describe("inductionPairsDocuments", () => {
  const docs = inductionPairsDocuments();

  it("is the same corpus on every call, and not the probes", () => {
    expect(inductionPairsDocuments().slice(0, 50)).toEqual(docs.slice(0, 50));
    expect(docs).toHaveLength(INDUCTION_PAIRS_CORPUS.documents);
    expect(docs[0].id).toBe("induction-pairs-00000");
    const probes = new Set(inductionProbes(INDUCTION_PROBES));
    expect(docs.filter((d) => probes.has(d.text))).toEqual([]);
  });

  it("shapes every document as the probes are: 48 distinct letters, the last n of them shown twice", () => {
    const [lo, hi] = INDUCTION_PAIRS_CORPUS.segment;
    const lengths = new Set<number>();
    for (const { text } of docs.slice(0, 2000)) {
      expect(text).toHaveLength(INDUCTION_PAIRS_CORPUS.letters);
      // The segment is the part that repeats: the shortest n with text ending in seg + seg.
      const n = Array.from({ length: hi - lo + 1 }, (_, i) => lo + i).find((k) => text.slice(-k) === text.slice(-2 * k, -k))!;
      expect(n).toBeDefined();
      lengths.add(n);
      const once = text.slice(0, -n);
      expect(new Set(once).size).toBe(once.length);
      expect([...once].every((c) => LETTERS.includes(c))).toBe(true);
    }
    expect(lengths.size).toBe(hi - lo + 1);
  });

  it("is a corpus a suite may name, as every generator is", () => {
    for (const name of Object.keys(SYNTHETIC_CORPORA)) expect(DataSchema.parse({ corpus: { synthetic: name } }).corpus).toEqual({ synthetic: name });
    expect(() => DataSchema.parse({ corpus: { synthetic: "nonesuch" } })).toThrow();
  });
});

describe("inductionDocuments", () => {
  const docs = inductionDocuments();

  it("is the same corpus on every call", () => {
    expect(inductionDocuments().slice(0, 50)).toEqual(docs.slice(0, 50));
    expect(docs).toHaveLength(INDUCTION_CORPUS.documents);
    expect(docs[0].id).toBe("induction-00000");
  });

  it("shapes every document as filler + a segment repeated at least twice to about 48 letters, of letters only", () => {
    const [, fMax] = INDUCTION_CORPUS.filler;
    const [sMin, sMax] = INDUCTION_CORPUS.segment;
    let periodic = 0;
    for (const { text } of docs.slice(0, 2000)) {
      expect([...text].every((c) => LETTERS.includes(c))).toBe(true);
      expect(text.length).toBeGreaterThanOrEqual(Math.max(INDUCTION_CORPUS.letters, 2 * sMin));
      expect(text.length).toBeLessThanOrEqual(fMax + Math.max(INDUCTION_CORPUS.letters + sMax - 1, 2 * sMax));
      // Some segment length makes everything after the filler periodic, with at least two copies.
      const fits = Array.from({ length: sMax - sMin + 1 }, (_, i) => sMin + i).filter((n) => {
        const start = periodicFrom(text, n);
        return start <= fMax && text.length - start >= 2 * n;
      });
      if (fits.length > 0) periodic++;
    }
    expect(periodic).toBe(2000);
  });
});

describe("inductionProbes", () => {
  const probes = inductionProbes(INDUCTION_PROBES);

  it("makes probes of one length whose only repeats are the segment's second copy", () => {
    expect(probes).toHaveLength(INDUCTION_PROBES.count);
    probes.forEach((p, i) => {
      expect(p).toHaveLength(INDUCTION_PROBES.length);
      const n = INDUCTION_PROBES.segment[0] + (i % (INDUCTION_PROBES.segment[1] - INDUCTION_PROBES.segment[0] + 1));
      expect(p.slice(-n)).toBe(p.slice(-2 * n, -n));
      // Everything before the second copy is distinct letters.
      const head = p.slice(0, -n);
      expect(new Set(head).size).toBe(head.length);
    });
  });

  it("refuses segments that cannot fit", () => {
    expect(() => inductionProbes({ count: 1, length: 10, segment: [4, 6], seed: 1 })).toThrow(/do not fit/);
  });

  it("is what the committed induction.json holds", () => {
    const file = new URL("../../../src/pipeline/data/probes/induction.json", import.meta.url);
    expect(`${JSON.stringify(inductionProbeFile(), null, 2)}\n`).toBe(readFileSync(file, "utf8"));
  });
});

describe("shuffledBrownDocuments", () => {
  const brown = loadBrown();
  const shuffled = shuffledBrownDocuments();
  const sorted = (t: string) => Array.from(t).sort().join("");

  it("keeps every Brown document's id and characters, in a new order", () => {
    expect(shuffled.map((d) => d.id)).toEqual(brown.map((d) => d.id));
    for (const k of [0, 1, 250, brown.length - 1]) {
      expect(sorted(shuffled[k].text)).toBe(sorted(brown[k].text));
      expect(shuffled[k].text).not.toBe(brown[k].text);
    }
  });

  it('leaves no bigram structure: "th" is no commoner than chance predicts', () => {
    const count = (t: string, bigram: string) => t.split(bigram).length - 1;
    const [a, b] = [brown[0].text, shuffled[0].text];
    // "th" opens every "the"; shuffled, it occurs about n * p('t') * p('h') times.
    const n = a.length;
    const expected = (n - 1) * (count(a, "t") / n) * (count(a, "h") / n);
    expect(count(a, "th")).toBeGreaterThan(3 * expected);
    expect(Math.abs(count(b, "th") - expected)).toBeLessThan(4 * Math.sqrt(expected) + 2);
  });

  it("is the same corpus on every call", () => {
    expect(shuffledBrownDocuments()[3].text).toBe(shuffled[3].text);
  });
});
