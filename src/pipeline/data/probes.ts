// Probe sets: fixed, versioned prompt lists in data/probes/<id>.json (docs/design.md "Data"), defined as
// text and tokenized per model (BOS + the model's tokens; bytes for Refit's own refits), each run
// unpadded. The hash of the file's bytes goes into every capture, with the token lengths, so results
// from different probe files are never compared by mistake.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { z } from "zod";
import { bytesTokenizer, type Tokenizer } from "./tokenizer.ts";

export interface ProbeSet {
  id: string;
  version: number;
  /** SHA-256 (hex) of the probe file's bytes. */
  hash: string;
  prompts: string[];
  /** Byte-tokenizer tokens per prompt (BOS first), unpadded: tokenizeProbes(set, bytesTokenizer). */
  tokens: Int32Array[];
}

/** The committed file format (written by make-probes.ts). */
export const ProbeFileSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    version: z.int().min(1),
    description: z.string(),
    source: z.object({ corpus: z.string(), split: z.string(), seed: z.int() }).strict(),
    prompts: z.array(z.string().min(1)).min(1),
  })
  .strict();
export type ProbeFile = z.infer<typeof ProbeFileSchema>;

const PROBE_DIR = new URL("./probes/", import.meta.url);

export function availableProbeSets(): string[] {
  return readdirSync(PROBE_DIR)
    .filter((name) => name.endsWith(".json"))
    .map((name) => name.slice(0, -".json".length))
    .sort();
}

export function loadProbeSet(id: string): ProbeSet {
  const available = availableProbeSets();
  // Matching against the directory listing (not building a path from `id`) keeps ids like "../x" out.
  if (!available.includes(id)) throw new Error(`unknown probe set "${id}"; available: ${available.join(", ") || "(none)"}`);
  const url = new URL(`${id}.json`, PROBE_DIR);
  const bytes = readFileSync(url);
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw new Error(`probe set ${url.pathname}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = ProbeFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top level)"}: ${i.message}`).join("; ");
    throw new Error(`probe set ${url.pathname}: ${problems}`);
  }
  if (parsed.data.id !== id) throw new Error(`probe set ${url.pathname}: its id is "${parsed.data.id}", expected "${id}"`);
  const { version, prompts } = parsed.data;
  return {
    id,
    version,
    hash: createHash("sha256").update(bytes).digest("hex"),
    prompts,
    tokens: tokenizeProbes(prompts, bytesTokenizer),
  };
}

/** BOS + tokenizer.encode(prompt) per prompt, unpadded; `bos` defaults to the tokenizer's. */
export function tokenizeProbes(prompts: readonly string[], tokenizer: Tokenizer, bos = tokenizer.bos): Int32Array[] {
  return prompts.map((prompt) => {
    const body = tokenizer.encode(prompt);
    const tokens = new Int32Array(body.length + 1);
    tokens[0] = bos;
    tokens.set(body, 1);
    return tokens;
  });
}

/** Throws when any probe (BOS included) is longer than the model's context; `tokens` default to the byte tokens. */
export function checkProbesFit(probeSet: ProbeSet, nCtx: number, tokens: readonly Int32Array[] = probeSet.tokens): void {
  const tooLong = tokens.flatMap((t, i) => (t.length > nCtx ? [`probe ${i} has ${t.length} tokens`] : []));
  if (tooLong.length > 0) {
    throw new Error(`probe set "${probeSet.id}" does not fit nCtx = ${nCtx} (BOS included): ${tooLong.join(", ")}`);
  }
}
