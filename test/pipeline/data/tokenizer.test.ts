import { describe, expect, it } from "vitest";
import { BOS, bytesTokenizer, decode, encode, VOCAB_SIZE } from "../../../src/pipeline/data/tokenizer.ts";

describe("encode", () => {
  it("gives the UTF-8 bytes of ASCII and non-ASCII text", () => {
    expect([...encode("hé€😀")]).toEqual([104, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80]);
    expect(encode("")).toHaveLength(0);
  });

  it("never produces BOS", () => {
    expect(Math.max(...encode("\u00ff\u{10ffff}"))).toBeLessThan(BOS);
  });
});

describe("decode", () => {
  it("round-trips text, including non-ASCII", () => {
    for (const text of ["The jury said.", "naïve café — 東京 😀", "tab\tnewline\n"]) expect(decode(encode(text))).toBe(text);
  });

  it("renders BOS as <bos> without breaking multi-byte characters around it", () => {
    expect(decode([BOS, ...encode("é"), BOS, ...encode("x")])).toBe("<bos>é<bos>x");
  });

  it("rejects ids outside the vocabulary", () => {
    expect(() => decode([65, 257])).toThrow(/token 257 at position 1/);
  });
});

describe("bytesTokenizer", () => {
  it("has 257 ids with BOS last", () => {
    expect(VOCAB_SIZE).toBe(257);
    expect(BOS).toBe(256);
    expect(bytesTokenizer).toMatchObject({ name: "bytes", vocabSize: 257, bos: 256 });
  });
});
