import { describe, expect, it } from "vitest";
import { GPT2_BOS, gpt2Tokenizer } from "../../../src/pipeline/data/bpe.ts";

describe("gpt2Tokenizer", () => {
  it("gives GPT-2's published ids", () => {
    // Ids as GPT-2's encoder.json numbers them: "Hello" 15496, " world" 995, "The" 464, " the" 262, "," 11, "." 13.
    expect([...gpt2Tokenizer.encode("Hello world")]).toEqual([15496, 995]);
    expect([...gpt2Tokenizer.encode("The cat, the hat.")]).toEqual([464, 3797, 11, 262, 6877, 13]);
    expect(gpt2Tokenizer).toMatchObject({ name: "gpt2", vocabSize: 50257, bos: 50256 });
    expect(GPT2_BOS).toBe(50256);
  });

  it("round-trips text, including non-ASCII, and reads the special token back", () => {
    for (const text of ["The jury said.", "naïve café — 東京 😀", "tab\tnewline\n  two spaces"]) {
      expect(gpt2Tokenizer.decode(gpt2Tokenizer.encode(text))).toBe(text);
    }
    expect(gpt2Tokenizer.decode([GPT2_BOS, 15496])).toBe("<|endoftext|>Hello");
  });

  it("encodes the special token's text as ordinary text, never as BOS", () => {
    const ids = gpt2Tokenizer.encode("a <|endoftext|> b");
    expect([...ids]).not.toContain(GPT2_BOS);
    expect(gpt2Tokenizer.decode(ids)).toBe("a <|endoftext|> b");
  });

  it("rejects ids outside the vocabulary", () => {
    expect(() => gpt2Tokenizer.decode([15496, 50257])).toThrow(/token 50257 at position 1/);
  });
});
