// From capture files to the compare stage: an opened capture becomes compare's RefitInput, read a
// layer at a time, and the captures of one cell are checked to be comparable (same model, probe set
// and backend, per DESIGN.md "Capture") before compareCell runs on them. Shared by `refit run` and
// `refit compare`.
import { canonicalJson } from "../artifacts/hash.ts";
import type { CaptureMeta } from "../artifacts/schemas.ts";
import { compareCell, type CellComparison, type RefitInput } from "../compare/index.ts";
import { layoutOf, type CaptureReader } from "./format.ts";

export function refitInputOf(c: CaptureReader): RefitInput {
  return {
    seed: c.meta.seed,
    patterns: { readLayer: (l) => c.read("attn", l) },
    resid: { dModel: c.meta.config.model.dModel, read: (site, l) => c.read(site, l) },
    norms: c.norms,
    dppl: c.ablation ?? null,
    tokens: c.tokens,
  };
}

const errors = {
  mixed: (what: string, a: string, b: string) => `captures of one cell differ in ${what}: run ${a} vs run ${b}; they cannot be compared`,
  seeds: (seed: number) => `two captures of one cell have seed ${seed}`,
} as const;

/** Throws unless all captures share config, probe set and backend, and no seed repeats. */
export function checkComparable(metas: readonly CaptureMeta[]): void {
  const [first] = metas;
  const seen = new Set<number>();
  for (const m of metas) {
    if (canonicalJson(m.config) !== canonicalJson(first.config)) throw new Error(errors.mixed("config", first.runId, m.runId));
    if (m.probeSet.hash !== first.probeSet.hash) throw new Error(errors.mixed("probe set", first.runId, m.runId));
    if (m.backend !== first.backend) throw new Error(errors.mixed("backend", first.runId, m.runId));
    if (seen.has(m.seed)) throw new Error(errors.seeds(m.seed));
    seen.add(m.seed);
  }
}

/**
 * compareCell on one cell's captures (sorted by seed here; the lowest seed is the anchor) and,
 * when given, their untrained twins.
 */
export function compareCaptures(
  refits: readonly CaptureReader[],
  untrained: readonly CaptureReader[] | null,
  options: { bootstrapSeed: readonly number[]; resamples?: number },
): CellComparison {
  checkComparable(refits.map((c) => c.meta));
  const sorted = [...refits].sort((a, b) => a.meta.seed - b.meta.seed);
  const init = untrained ? [...untrained].sort((a, b) => a.meta.seed - b.meta.seed) : null;
  if (init) checkComparable(init.map((c) => c.meta));
  return compareCell({
    layout: layoutOf(sorted[0].meta),
    refits: sorted.map(refitInputOf),
    untrained: init?.map(refitInputOf) ?? null,
    bootstrapSeed: options.bootstrapSeed,
    resamples: options.resamples,
  });
}
