// The synthetic induction corpus and probes: fixed by their seed, documents shaped filler + segment
// + segment within the stated lengths, probes of one length whose only repeated letters are the
// segment's second copy, and the committed probe file exactly what make-probes.ts writes.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { INDUCTION_PROBES, inductionProbeFile } from "../../../src/pipeline/data/make-probes.ts";
import { INDUCTION_CORPUS, LETTERS, inductionDocuments, inductionProbes } from "../../../src/pipeline/data/synthetic.ts";

/** The longest segment s such that text ends with s + s. */
function repeatedTail(text: string): number {
  for (let n = Math.floor(text.length / 2); n > 0; n--) if (text.slice(-n) === text.slice(-2 * n, -n)) return n;
  return 0;
}

describe("inductionDocuments", () => {
  const docs = inductionDocuments();

  it("is the same corpus on every call", () => {
    expect(inductionDocuments().slice(0, 50)).toEqual(docs.slice(0, 50));
    expect(docs).toHaveLength(INDUCTION_CORPUS.documents);
    expect(docs[0].id).toBe("induction-00000");
  });

  it("shapes every document as filler + segment + the same segment, of letters only, within the stated lengths", () => {
    const [fMin, fMax] = INDUCTION_CORPUS.filler;
    const [sMin, sMax] = INDUCTION_CORPUS.segment;
    for (const { text } of docs.slice(0, 2000)) {
      expect([...text].every((c) => LETTERS.includes(c))).toBe(true);
      const n = repeatedTail(text);
      expect(n).toBeGreaterThanOrEqual(sMin);
      // A filler letter can equal the segment's last letter by chance, lengthening the found repeat by one.
      expect(text.length - 2 * n).toBeLessThanOrEqual(fMax);
      expect(text.length).toBeGreaterThanOrEqual(fMin + 2 * sMin);
      expect(text.length).toBeLessThanOrEqual(fMax + 2 * sMax);
    }
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
