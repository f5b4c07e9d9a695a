// Writes the default probe set, data/probes/default.json: 40 sentences of 30-60 bytes sampled
// with a fixed seed from the held-out Brown documents, near-duplicates dropped, so BOS + probe
// fits nCtx 64. Run `node src/pipeline/data/make-probes.ts`; commit the output and bump `version`
// whenever the prompts change. A test checks that the committed file is what this script makes.
import { writeFileSync } from "node:fs";
import { loadBrown, splitDocuments, type Document } from "./corpus.ts";
import type { ProbeFile } from "./probes.ts";
import { rng } from "./rng.ts";

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
  const draw = rng(seed);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = draw.int(i + 1);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
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

if (import.meta.main) {
  const out = new URL("./probes/default.json", import.meta.url);
  writeFileSync(out, `${JSON.stringify(defaultProbeFile(), null, 2)}\n`);
  console.log(`wrote ${out.pathname}`);
}
