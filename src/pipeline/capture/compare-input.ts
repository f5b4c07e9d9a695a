// From capture files to the compare stage: a decoded capture becomes compare's RefitInput, and
// the captures of one cell are checked to be comparable (same model, probe set and backend, per
// DESIGN.md "Capture") before compareCell runs on them. Shared by `refit run` and `refit compare`.
import { canonicalJson } from "../artifacts/hash.ts";
import { compareCell, type CellComparison, type RefitInput } from "../compare/index.ts";
import type { Capture } from "./format.ts";
import { patternsOf } from "./format.ts";

/** First word of every bootstrap seed; the cell adds its own word so cells resample independently. */
export const BOOTSTRAP_SEED = 20260216;

export const cellBootstrapSeed = (cellId: string): number[] => [BOOTSTRAP_SEED, Number.parseInt(cellId.slice(0, 8), 16) || 0];

export function refitInputOf(c: Capture): RefitInput {
  return {
    seed: c.meta.seed,
    patterns: { attn: c.attn },
    resid: { pre: c.residPre, mid: c.residMid, dModel: c.meta.config.model.dModel },
    norms: c.norms,
    dppl: c.ablation ?? null,
  };
}

const errors = {
  mixed: (what: string, a: string, b: string) => `captures of one cell differ in ${what}: run ${a} vs run ${b}; they cannot be compared`,
  seeds: (seed: number) => `two captures of one cell have seed ${seed}`,
} as const;

/** Throws unless all captures share config, probe set and backend, and no seed repeats. */
export function checkComparable(captures: readonly Capture[]): void {
  const [first] = captures;
  const seen = new Set<number>();
  for (const c of captures) {
    if (canonicalJson(c.meta.config) !== canonicalJson(first.meta.config)) throw new Error(errors.mixed("config", first.meta.runId, c.meta.runId));
    if (c.meta.probeSet.hash !== first.meta.probeSet.hash) throw new Error(errors.mixed("probe set", first.meta.runId, c.meta.runId));
    if (c.meta.backend !== first.meta.backend) throw new Error(errors.mixed("backend", first.meta.runId, c.meta.runId));
    if (seen.has(c.meta.seed)) throw new Error(errors.seeds(c.meta.seed));
    seen.add(c.meta.seed);
  }
}

/**
 * compareCell on one cell's captures (sorted by seed here; the lowest seed is the anchor) and,
 * when given, their untrained twins.
 */
export function compareCaptures(
  refits: readonly Capture[],
  untrained: readonly Capture[] | null,
  options: { bootstrapSeed: readonly number[]; resamples?: number },
): CellComparison {
  checkComparable(refits);
  const sorted = [...refits].sort((a, b) => a.meta.seed - b.meta.seed);
  const init = untrained ? [...untrained].sort((a, b) => a.meta.seed - b.meta.seed) : null;
  if (init) checkComparable(init);
  return compareCell({
    layout: patternsOf(sorted[0]).layout,
    refits: sorted.map(refitInputOf),
    untrained: init?.map(refitInputOf) ?? null,
    bootstrapSeed: options.bootstrapSeed,
    resamples: options.resamples,
  });
}
