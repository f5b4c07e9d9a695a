// GPT-2's byte-level BPE tokenizer (vocabulary 50257; <|endoftext|> = 50256 begins a sequence, as
// GPT-2's training data and TransformerLens's prepend_bos do), from the merge ranks js-tiktoken
// ships in its package: nothing is downloaded. The ranks (half a megabyte of JavaScript) are parsed
// on first use, so importing this module costs nothing.
import { createRequire } from "node:module";
import { Tiktoken, type TiktokenBPE } from "js-tiktoken/lite";
import type { Tokenizer } from "./tokenizer.ts";

export const GPT2_VOCAB_SIZE = 50257;
export const GPT2_BOS = 50256;

const require = createRequire(import.meta.url);
let encoder: Tiktoken | undefined;
const gpt2 = (): Tiktoken => (encoder ??= new Tiktoken(require("js-tiktoken/ranks/gpt2") as TiktokenBPE));

/** Token ids of `text` (no BOS); "<|endoftext|>" inside the text is ordinary text, not the special token. */
function encode(text: string): Int32Array {
  return Int32Array.from(gpt2().encode(text, [], []));
}

function decode(ids: ArrayLike<number>): string {
  const list = Array.from(ids);
  const bad = list.findIndex((id) => !Number.isInteger(id) || id < 0 || id >= GPT2_VOCAB_SIZE);
  if (bad >= 0) throw new RangeError(`decode: token ${list[bad]} at position ${bad} is outside GPT-2's vocabulary (0-${GPT2_VOCAB_SIZE - 1})`);
  return gpt2().decode(list);
}

export const gpt2Tokenizer: Tokenizer = { name: "gpt2", vocabSize: GPT2_VOCAB_SIZE, bos: GPT2_BOS, encode, decode };
