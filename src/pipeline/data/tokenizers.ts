// Every tokenizer Refit has, by the name a suite or a checkpoint gives: the byte tokenizer
// (tokenizer.ts) and GPT-2's BPE (bpe.ts). Kept apart from both so that each imports only the
// interface it implements, and neither imports the other.
import { gpt2Tokenizer } from "./bpe.ts";
import { bytesTokenizer, type Tokenizer, type TokenizerName } from "./tokenizer.ts";

export const tokenizerNamed = (name: TokenizerName): Tokenizer => (name === "gpt2" ? gpt2Tokenizer : bytesTokenizer);
