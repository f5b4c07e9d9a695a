// Writes the probe sets in data/probes/: `default` (40 sentences of 30-60 bytes sampled with a
// fixed seed from the held-out Brown documents, near-duplicates dropped, so BOS + probe fits
// nCtx 64), the length-stratified `words-5` ... `words-50` for the prompt-length study, and
// `induction`, the synthetic repeated-segment probes of the induction control (data/synthetic.ts).
// Run `node src/pipeline/data/make-probes.ts`; commit the output and bump `version` whenever the
// prompts change. Tests check that the committed files are what this script makes.
import { writeFileSync } from "node:fs";
import { loadBrown, splitDocuments, type Document } from "./corpus.ts";
import type { ProbeFile } from "./probes.ts";
import { rng, shuffleInPlace } from "./rng.ts";
import { inductionProbes } from "./synthetic.ts";

export interface SelectOptions {
  count: number;
  seed: number;
  minBytes: number;
  maxBytes: number;
}

export const DEFAULT_PROBES = { count: 40, seed: 1, minBytes: 30, maxBytes: 60, heldOutFraction: 0.1 } as const;

export function defaultProbeFile(): ProbeFile {
  const { heldOut } = splitDocuments(loadBrown(), DEFAULT_PROBES.heldOutFraction);
  return {
    id: "default",
    version: 1,
    description:
      `${DEFAULT_PROBES.count} complete sentences of ${DEFAULT_PROBES.minBytes}-${DEFAULT_PROBES.maxBytes} bytes from held-out Brown documents, ` +
      "sampled with a fixed seed, near-duplicates dropped; with BOS each fits nCtx 64.",
    source: { corpus: "brown", split: `held-out (heldOutFraction ${DEFAULT_PROBES.heldOutFraction})`, seed: DEFAULT_PROBES.seed },
    prompts: selectProbes(heldOut, DEFAULT_PROBES),
  };
}

/** Shuffles the candidate sentences of `docs` with a seeded PRNG and keeps the first `count` that are not near-duplicates. */
export function selectProbes(docs: readonly Document[], { count, seed, minBytes, maxBytes }: SelectOptions): string[] {
  const candidates = [...new Set(docs.flatMap((doc) => doc.text.split("\n")))].filter((s) => {
    const bytes = Buffer.byteLength(s, "utf8");
    return bytes >= minBytes && bytes <= maxBytes && isCompleteSentence(s);
  });
  shuffleInPlace(candidates, rng(seed));
  const picked: string[] = [];
  const pickedWords: Set<string>[] = [];
  for (const sentence of candidates) {
    if (picked.length === count) break;
    const words = wordSet(sentence);
    if (pickedWords.some((other) => jaccard(words, other) >= 0.5)) continue;
    picked.push(sentence);
    pickedWords.push(words);
  }
  if (picked.length < count) throw new Error(`only ${picked.length} of ${count} probe sentences found`);
  return picked;
}

/** Starts with a capital (after an optional quote), ends with . ? or !, and has balanced quotes and brackets. */
function isCompleteSentence(s: string): boolean {
  const balanced = (s.match(/"/g)?.length ?? 0) % 2 === 0 && (s.match(/\(/g)?.length ?? 0) === (s.match(/\)/g)?.length ?? 0);
  return balanced && /^"?[A-Z]/.test(s) && /[.?!]"?$/.test(s);
}

function wordSet(s: string): Set<string> {
  return new Set(s.toLowerCase().match(/[a-z0-9]+/g) ?? []);
}

function jaccard(a: Set<string>, b: Set<string>): number {
  let shared = 0;
  for (const w of a) if (b.has(w)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 1 : shared / union;
}

/** Word counts of the length-stratified sets (docs/design.md "Data"). */
export const PROBE_WORD_COUNTS = [5, 10, 20, 30, 40, 50] as const;

/** About this many words per set, so every set costs the compare stage about the same. */
const WORDS_PER_SET = 400;

/** Prompts per length-stratified set: ~400 words in all, even (they come in pairs), at least 8. */
export const lengthSetCount = (words: number) => Math.max(8, 2 * Math.round(WORDS_PER_SET / words / 2));

/**
 * Windows of exactly `words` words from held-out Brown, each starting at a sentence start (and
 * running on into the next sentences of its document when needed), shuffled with a fixed seed and
 * taken in PAIRS OF EQUAL BYTE LENGTH, near-duplicates dropped: with the byte tokenizer equal bytes
 * mean equal token counts, so every probe has a same-length partner for the probe-shuffled null.
 */
export function selectWordWindows(docs: readonly Document[], { words, count, seed }: { words: number; count: number; seed: number }): string[] {
  const windows = new Set<string>();
  for (const doc of docs) {
    const sentences = doc.text.split("\n").map((s) => s.split(/\s+/).filter((w) => w.length > 0));
    const all = sentences.flat();
    let start = 0;
    for (const sentence of sentences) {
      if (start + words <= all.length && /^"?[A-Z]/.test(all[start] ?? "")) windows.add(all.slice(start, start + words).join(" "));
      start += sentence.length;
    }
  }
  const candidates = [...windows];
  shuffleInPlace(candidates, rng(seed));
  const picked: string[] = [];
  const pickedWords: Set<string>[] = [];
  const waiting = new Map<number, { text: string; words: Set<string> }>(); // byte length -> unpaired candidate
  for (const text of candidates) {
    if (picked.length === count) break;
    const set = wordSet(text);
    const clash = (other: Set<string>) => jaccard(set, other) >= 0.5;
    if (pickedWords.some(clash) || [...waiting.values()].some((w) => clash(w.words))) continue;
    const bytes = Buffer.byteLength(text, "utf8");
    const partner = waiting.get(bytes);
    if (!partner) {
      waiting.set(bytes, { text, words: set });
      continue;
    }
    waiting.delete(bytes);
    picked.push(partner.text, text);
    pickedWords.push(partner.words, set);
  }
  if (picked.length < count) throw new Error(`only ${picked.length} of ${count} ${words}-word probes found`);
  return picked;
}

/** The `words-<n>` set; pass the held-out documents to build several sets from one corpus load. */
export function lengthProbeFile(words: number, heldOut = splitDocuments(loadBrown(), DEFAULT_PROBES.heldOutFraction).heldOut): ProbeFile {
  const count = lengthSetCount(words);
  const prompts = selectWordWindows(heldOut, { words, count, seed: words });
  const longest = Math.max(...prompts.map((p) => Buffer.byteLength(p, "utf8"))) + 1;
  return {
    id: `words-${words}`,
    version: 1,
    description:
      `${count} windows of exactly ${words} words from held-out Brown documents, each starting at a sentence start, in pairs of equal byte length ` +
      `(so every probe has a same-length partner for the probe-shuffled null), near-duplicates dropped. The longest is ${longest} tokens with BOS: ` +
      `a suite using this set needs data.nCtx >= ${longest}.`,
    source: { corpus: "brown", split: `held-out (heldOutFraction ${DEFAULT_PROBES.heldOutFraction})`, seed: words },
    prompts,
  };
}

export const INDUCTION_PROBES = { count: 40, length: 48, segment: [8, 20], seed: 7 } as const;

/** The `induction` set: 40 probes of 48 letters (49 tokens with BOS), segments of 8-20 letters shown twice. */
export function inductionProbeFile(): ProbeFile {
  const { count, length, segment, seed } = INDUCTION_PROBES;
  return {
    id: "induction",
    version: 1,
    description:
      `${count} synthetic probes of exactly ${length} letters (${length + 1} tokens with BOS): a filler of distinct letters, then a segment of ` +
      `${segment[0]}-${segment[1]} other distinct letters shown twice, the segment length cycling so the repeat sits at a different place in each probe. ` +
      "For the induction control (corpus { synthetic: induction }); not drawn from any training corpus.",
    source: { corpus: "synthetic-induction", split: "generated for probing only", seed },
    prompts: inductionProbes(INDUCTION_PROBES),
  };
}

if (import.meta.main) {
  const { heldOut } = splitDocuments(loadBrown(), DEFAULT_PROBES.heldOutFraction);
  const files: ProbeFile[] = [defaultProbeFile(), inductionProbeFile(), ...PROBE_WORD_COUNTS.map((w) => lengthProbeFile(w, heldOut))];
  for (const file of files) {
    const out = new URL(`./probes/${file.id}.json`, import.meta.url);
    writeFileSync(out, `${JSON.stringify(file, null, 2)}\n`);
    console.log(`wrote ${out.pathname}`);
  }
}
