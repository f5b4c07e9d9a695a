import { describe, expect, it } from "vitest";
import { gpt2Tokenizer } from "../../../src/pipeline/data/bpe.ts";
import { bytesTokenizer } from "../../../src/pipeline/data/tokenizer.ts";
import { tokenizerNamed } from "../../../src/pipeline/data/tokenizers.ts";

describe("tokenizerNamed", () => {
  it("picks the byte tokenizer or GPT-2's BPE", () => {
    expect(tokenizerNamed("bytes")).toBe(bytesTokenizer);
    expect(tokenizerNamed("gpt2")).toBe(gpt2Tokenizer);
  });
});
