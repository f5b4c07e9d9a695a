// Tokenizers. The default is byte-level: token = UTF-8 byte (0-255), plus BOS = 256, so any text
// encodes with no vocabulary file and the unembedding stays small. GPT-2's BPE (bpe.ts) implements
// the same interface, for checkpoints trained with it; tokenizers.ts picks one by name.

export const TOKENIZERS = ["bytes", "gpt2"] as const;
export type TokenizerName = (typeof TOKENIZERS)[number];

export interface Tokenizer {
  /** Matches the suite's `data.tokenizer`, or a checkpoint's `refit_tokenizer`. */
  name: TokenizerName;
  vocabSize: number;
  /** Begins every document and every probe. */
  bos: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

export const VOCAB_SIZE = 257;
export const BOS = 256;

const utf8 = new TextEncoder();

/** UTF-8 bytes of `text` as token ids (no BOS; callers add it where a sequence starts). */
export function encode(text: string): Int32Array {
  return Int32Array.from(utf8.encode(text));
}

/** Bytes back to text; BOS shows as `<bos>`, and invalid UTF-8 as U+FFFD. */
export function decode(ids: ArrayLike<number>): string {
  const decoder = new TextDecoder("utf-8");
  let out = "";
  let run: number[] = [];
  const flush = () => {
    out += decoder.decode(Uint8Array.from(run));
    run = [];
  };
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    if (id === BOS) {
      flush();
      out += "<bos>";
    } else if (Number.isInteger(id) && id >= 0 && id < 256) {
      run.push(id);
    } else {
      throw new RangeError(`decode: token ${id} at position ${i} is outside the byte vocabulary (0-${VOCAB_SIZE - 1})`);
    }
  }
  flush();
  return out;
}

export const bytesTokenizer: Tokenizer = { name: "bytes", vocabSize: VOCAB_SIZE, bos: BOS, encode, decode };
