import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { defaultProbeFile, selectProbes } from "../../../src/pipeline/data/make-probes.ts";
import { gpt2Tokenizer } from "../../../src/pipeline/data/bpe.ts";
import { checkProbesFit, loadProbeSet, tokenizeProbes } from "../../../src/pipeline/data/probes.ts";
import { BOS, bytesTokenizer, decode } from "../../../src/pipeline/data/tokenizer.ts";

const FILE = new URL("../../../src/pipeline/data/probes/default.json", import.meta.url);

describe("loadProbeSet", () => {
  const set = loadProbeSet("default");

  it("hashes the file's bytes, and the hash is pinned", () => {
    expect(set.hash).toBe(createHash("sha256").update(readFileSync(FILE)).digest("hex"));
    expect(loadProbeSet("default").hash).toBe(set.hash);
    // Pinned: editing the probe file must be deliberate (bump its version and update this).
    expect(set.hash).toBe("db6c132049ae1ac633818271f10f5b52e787ad5587bd04ee139d4bad9683683b");
  });

  it("reads version 1 with 40 prompts", () => {
    expect(set).toMatchObject({ id: "default", version: 1 });
    expect(set.prompts).toHaveLength(40);
    expect(new Set(set.prompts).size).toBe(40);
  });

  it("tokenizes each prompt as BOS + bytes, unpadded", () => {
    set.tokens.forEach((t, i) => {
      expect(t[0]).toBe(BOS);
      expect(t).toHaveLength(Buffer.byteLength(set.prompts[i]) + 1);
      expect(decode(t)).toBe(`<bos>${set.prompts[i]}`);
    });
  });

  it("keeps every probe between 31 and 61 tokens, so all fit nCtx 64", () => {
    expect(Math.min(...set.tokens.map((t) => t.length))).toBeGreaterThanOrEqual(31);
    expect(Math.max(...set.tokens.map((t) => t.length))).toBeLessThanOrEqual(61);
    expect(() => checkProbesFit(set, 64)).not.toThrow();
  });

  it("lists the available sets for an unknown id", () => {
    expect(() => loadProbeSet("nope")).toThrow('unknown probe set "nope"; available: default, induction, words-10, words-20, words-30, words-40, words-5, words-50');
    expect(() => loadProbeSet("../probes/default")).toThrow(/unknown probe set/);
  });
});

describe("tokenizeProbes", () => {
  const set = loadProbeSet("default");

  it("gives the byte tokens the set carries", () => {
    expect(tokenizeProbes(set.prompts, bytesTokenizer)).toEqual(set.tokens);
  });

  it("tokenizes the same text per model: GPT-2's BOS and BPE ids, fewer tokens than bytes", () => {
    expect(tokenizeProbes(["Hello world"], gpt2Tokenizer).map((t) => [...t])).toEqual([[50256, 15496, 995]]);
    const bpe = tokenizeProbes(set.prompts, gpt2Tokenizer);
    bpe.forEach((t, i) => {
      expect(gpt2Tokenizer.decode(t)).toBe(`<|endoftext|>${set.prompts[i]}`);
      expect(t.length).toBeLessThan(set.tokens[i].length / 2);
    });
  });

  it("takes another BOS id when a checkpoint names one", () => {
    expect([...tokenizeProbes(["ab"], bytesTokenizer, 0)[0]]).toEqual([0, 97, 98]);
  });
});

describe("checkProbesFit", () => {
  it("checks the tokens it is given, e.g. a model's own", () => {
    const set = loadProbeSet("default");
    const bpe = tokenizeProbes(set.prompts, gpt2Tokenizer);
    expect(() => checkProbesFit(set, 40, bpe)).not.toThrow();
    expect(() => checkProbesFit(set, 8, bpe)).toThrow(/does not fit nCtx = 8 \(BOS included\): probe 0 has \d+ tokens/);
  });

  it("names each probe that is too long, with its length", () => {
    const set = loadProbeSet("default");
    const tooLong = set.tokens.flatMap((t, i) => (t.length > 40 ? [`probe ${i} has ${t.length} tokens`] : []));
    expect(tooLong.length).toBeGreaterThan(0);
    expect(() => checkProbesFit(set, 40)).toThrow(`probe set "default" does not fit nCtx = 40 (BOS included): ${tooLong.join(", ")}`);
  });
});

describe("defaultProbeFile", () => {
  const { heldOut } = splitDocuments(loadBrown(), 0.1);

  it("draws every prompt from a held-out Brown sentence", () => {
    const sentences = new Set(heldOut.flatMap((d) => d.text.split("\n")));
    for (const prompt of loadProbeSet("default").prompts) expect(sentences.has(prompt)).toBe(true);
  });

  it("reproduces the committed file exactly", () => {
    expect(`${JSON.stringify(defaultProbeFile(), null, 2)}\n`).toBe(readFileSync(FILE, "utf8"));
  });
});

describe("selectProbes", () => {
  const docs = [
    { id: "d1", text: "The cat sat on the warm mat today.\nThe cat sat on the warm mat again.\nA dog ran far across the open field.\nshort.\nno capital letter at the start here." },
    { id: "d2", text: "Birds sang loudly in the tall green trees.\nThis line has no final stop at all" },
  ];

  it("keeps complete sentences in the byte range and drops near-duplicates", () => {
    const picked = selectProbes(docs, { count: 3, seed: 1, minBytes: 20, maxBytes: 60 });
    expect(picked).toHaveLength(3);
    expect(picked.filter((p) => p.startsWith("The cat sat"))).toHaveLength(1);
    expect(picked).toEqual(expect.arrayContaining(["A dog ran far across the open field.", "Birds sang loudly in the tall green trees."]));
  });

  it("fails when too few sentences qualify", () => {
    expect(() => selectProbes(docs, { count: 4, seed: 1, minBytes: 20, maxBytes: 60 })).toThrow("only 3 of 4 probe sentences found");
  });
});
