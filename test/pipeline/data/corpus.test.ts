import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { brownText, detokenize, loadBrown, loadTextCorpus, splitDocuments, splitPosition, type Document } from "../../../src/pipeline/data/corpus.ts";

let brown: Document[];
beforeAll(() => {
  brown = loadBrown();
});

describe("loadBrown", () => {
  it("reads the 500 documents ca01..cr09 in id order", () => {
    expect(brown).toHaveLength(500);
    expect(brown[0].id).toBe("ca01");
    expect(brown.at(-1)!.id).toBe("cr09");
    expect(brown.every((d) => /^c[a-r]\d\d$/.test(d.id))).toBe(true);
  });

  it("detokenizes the opening sentence of ca01", () => {
    expect(brown[0].text.split("\n")[0]).toBe(
      "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \"no evidence\" that any irregularities took place.",
    );
    expect(brown[0].text.split("\n")[1]).toBe(
      'The jury further said in term-end presentments that the City Executive Committee, which had over-all charge of the election, "deserves the praise and thanks of the City of Atlanta" for the manner in which the election was conducted.',
    );
  });

  it("leaves no tags, tokenizer quotes or doubled punctuation", () => {
    const all = brown.map((d) => d.text).join("\n");
    expect(all).not.toMatch(/\S\/(at|nn|in|jj|np|vbd|cc|nns|rb|vb|cd)(-tl|-hl|\$)?(\s|$)/);
    expect(all).not.toMatch(/(^|\s)(``|'')(\s|$)/m); // inch marks like 10'' are text, not quotes
    expect(all).not.toMatch(/ [,.;:?!](\s|$)/);
    expect(all).not.toMatch(/[;?!]{2}/);
  });

  it("puts one sentence per line with no blank lines", () => {
    expect(brown.every((d) => d.text.split("\n").every((line) => line.length > 0 && line === line.trim()))).toBe(true);
  });
});

describe("brownText", () => {
  it("strips tags at the last slash and keeps slashes inside words", () => {
    expect(brownText("\tHe/pps said/vbd and/or/cc no/at ./.\n\n\n\tNext/ap line/nn !/. !/.\n")).toBe("He said and/or no.\nNext line!");
  });
});

describe("detokenize", () => {
  it("glues closing punctuation, clitics and brackets", () => {
    expect(detokenize(["I", "do", "n't", "know", "(", "really", ")", ",", "she", "'s", "sure", "?"])).toBe("I don't know (really), she's sure?");
  });

  it("turns `` and '' into attached double quotes", () => {
    expect(detokenize(["He", "said", ",", "``", "Go", "''", "."])).toBe('He said, "Go".');
  });

  it("alternates a lone ' between opening and closing", () => {
    expect(detokenize(["more", "'", "pro", "'", "letters", "than", "'", "con", "'"])).toBe("more 'pro' letters than 'con'");
  });

  it("writes one period after an abbreviation that ends a sentence", () => {
    expect(detokenize(["Ivan", "Allen", "Jr.", "."])).toBe("Ivan Allen Jr.");
  });
});

describe("loadTextCorpus", () => {
  const dir = mkdtempSync(join(tmpdir(), "refit-corpus-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("reads every .txt file under a directory, sorted, ids are relative paths", () => {
    const root = join(dir, "texts");
    mkdirSync(join(root, "sub"), { recursive: true });
    writeFileSync(join(root, "b.txt"), "bee\r\n");
    writeFileSync(join(root, "a.txt"), "\uFEFFay");
    writeFileSync(join(root, "sub", "c.txt"), "sea");
    writeFileSync(join(root, "notes.md"), "not a document");
    writeFileSync(join(root, "empty.txt"), "  \n");
    expect(loadTextCorpus(root)).toEqual([
      { id: "a.txt", text: "ay" },
      { id: "b.txt", text: "bee" },
      { id: "sub/c.txt", text: "sea" },
    ]);
  });

  it("splits a single file into paragraph documents", () => {
    const file = join(dir, "book.txt");
    writeFileSync(file, "One.\nStill one.\n\n\nTwo.\n  \nThree.\n");
    expect(loadTextCorpus(file)).toEqual([
      { id: "book.txt#0", text: "One.\nStill one." },
      { id: "book.txt#1", text: "Two." },
      { id: "book.txt#2", text: "Three." },
    ]);
  });

  it("names the path when it is missing or empty", () => {
    const missing = join(dir, "nope");
    expect(() => loadTextCorpus(missing)).toThrow(`corpus ${missing}: no such file or directory`);
    const empty = join(dir, "empty-dir");
    mkdirSync(empty);
    expect(() => loadTextCorpus(empty)).toThrow(`corpus ${empty}: no non-empty .txt files`);
    const blank = join(dir, "blank.txt");
    writeFileSync(blank, "\n\n");
    expect(() => loadTextCorpus(blank)).toThrow(`corpus ${blank}: the file is empty`);
  });
});

describe("splitDocuments", () => {
  it("is disjoint, covers every document, and holds out about the fraction asked", () => {
    const { train, heldOut } = splitDocuments(brown, 0.1);
    expect(train.length + heldOut.length).toBe(500);
    const trainIds = new Set(train.map((d) => d.id));
    expect(heldOut.some((d) => trainIds.has(d.id))).toBe(false);
    expect(heldOut.length / 500).toBeGreaterThan(0.07);
    expect(heldOut.length / 500).toBeLessThan(0.13);
    expect(heldOut).toHaveLength(49); // pinned: the split must not drift between releases
  });

  it("depends on document ids only, not on order or on the other documents", () => {
    const ids = (docs: Document[]) => docs.map((d) => d.id).sort();
    const full = splitDocuments(brown, 0.1);
    const reversed = splitDocuments([...brown].reverse(), 0.1);
    expect(ids(reversed.heldOut)).toEqual(ids(full.heldOut));
    const half = splitDocuments(brown.slice(0, 250), 0.1);
    expect(ids(half.heldOut)).toEqual(ids(full.heldOut).filter((id) => id < brown[250].id));
  });

  it("holds out a superset when the fraction grows", () => {
    const small = new Set(splitDocuments(brown, 0.1).heldOut.map((d) => d.id));
    const large = new Set(splitDocuments(brown, 0.3).heldOut.map((d) => d.id));
    expect([...small].every((id) => large.has(id))).toBe(true);
  });

  it("refuses a split that leaves one side empty", () => {
    const docs = [{ id: "only", text: "x" }];
    expect(() => splitDocuments(docs, 0.1)).toThrow(/left the (train|held-out) split empty/);
    expect(() => splitDocuments(docs, 0)).toThrow(RangeError);
  });
});

describe("splitPosition", () => {
  it("maps ids to [0, 1), spread evenly", () => {
    const positions = brown.map((d) => splitPosition(d.id));
    expect(positions.every((p) => p >= 0 && p < 1)).toBe(true);
    const mean = positions.reduce((a, b) => a + b, 0) / positions.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05); // sd of the mean of 500 uniforms is 0.013
  });
});
