// The compare stage's input: attention patterns of one refit, laid out as the capture
// file's `attn.{l}` tensors (docs/formats.md "Capture file"): [H, K] per layer, K = sum_p T_p(T_p+1)/2,
// probes concatenated, each its lower triangle incl. diagonal, row-major. This module
// names that layout, finds each probe's segment in K, and rejects inputs that do not fit it.

/** Probe layout shared by all refits of a cell. probeLengths[p] = T_p (BOS included). */
export interface PatternLayout {
  nLayers: number;
  nHeads: number;
  probeLengths: readonly number[];
}

/** One refit's attention patterns in memory: attn[l] is Float32Array of shape [H, K] row-major,
 *  K = sum_p T_p(T_p+1)/2, probes concatenated in order, each probe's lower triangle incl. diagonal, row-major. */
export interface PatternArrays {
  attn: readonly Float32Array[];
}

/** The same, read one layer at a time (from a capture file), so a cell's refits need not all be in memory. */
export interface PatternReader {
  readLayer(layer: number): Float32Array;
}

export type RefitPatterns = PatternArrays | PatternReader;

/** Half-open range [begin, end) of one probe's values within a head's row of K values. */
export interface ProbeSegment {
  begin: number;
  end: number;
}

const errors = {
  notPositiveInt: (field: string, value: unknown) => `${field} must be a positive integer, got ${String(value)}`,
  noProbes: "layout.probeLengths must list at least one probe",
  layerCount: (label: string, got: number, want: number) => `${label}.attn has ${got} layers, layout says ${want}`,
  notFloat32: (label: string, l: number) => `${label}.attn[${l}] must be a Float32Array`,
  size: (label: string, l: number, got: number, h: number, k: number) =>
    `${label}.attn[${l}] has ${got} values, expected [H=${h}, K=${k}] = ${h * k}`,
  nonFinite: (label: string, l: number, head: number, at: number) =>
    `${label}.attn[${l}] holds a non-finite value at head ${head}, position ${at}`,
} as const;

function checkPositiveInt(field: string, value: unknown): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new Error(errors.notPositiveInt(field, value));
  }
}

/** Throws, naming the field, unless every count in the layout is a positive integer. */
export function validateLayout(layout: PatternLayout): void {
  checkPositiveInt("layout.nLayers", layout.nLayers);
  checkPositiveInt("layout.nHeads", layout.nHeads);
  if (!Array.isArray(layout.probeLengths) || layout.probeLengths.length === 0) throw new Error(errors.noProbes);
  layout.probeLengths.forEach((t, p) => checkPositiveInt(`layout.probeLengths[${p}]`, t));
}

/** Each probe's [begin, end) range in K, in probe order; probe p spans T_p(T_p+1)/2 values. */
export function probeSegments(layout: PatternLayout): ProbeSegment[] {
  const segments: ProbeSegment[] = [];
  let begin = 0;
  for (const t of layout.probeLengths) {
    const end = begin + (t * (t + 1)) / 2;
    segments.push({ begin, end });
    begin = end;
  }
  return segments;
}

/** K: values per head per layer, summed over probes. */
export function patternWidth(layout: PatternLayout): number {
  return layout.probeLengths.reduce((k, t) => k + (t * (t + 1)) / 2, 0);
}

/** True when two layouts describe the same layers, heads and probe lengths. */
export function sameLayout(a: PatternLayout, b: PatternLayout): boolean {
  return (
    a.nLayers === b.nLayers &&
    a.nHeads === b.nHeads &&
    a.probeLengths.length === b.probeLengths.length &&
    a.probeLengths.every((t, p) => t === b.probeLengths[p])
  );
}

/**
 * Layer l of `patterns`, checked to hold H*K values, all finite unless `finite` is false (for a
 * caller that detects non-finite values more cheaply, then calls again to name the place).
 * `label` names the refit in messages (e.g. "anchor", "others[2]").
 */
export function patternLayer(layout: PatternLayout, patterns: RefitPatterns, l: number, label: string, { finite = true } = {}): Float32Array {
  const k = patternWidth(layout);
  const values = "attn" in patterns ? patterns.attn[l] : patterns.readLayer(l);
  if (!(values instanceof Float32Array)) throw new Error(errors.notFloat32(label, l));
  if (values.length !== layout.nHeads * k) throw new Error(errors.size(label, l, values.length, layout.nHeads, k));
  if (!finite) return values;
  for (let i = 0; i < values.length; i++) {
    // A NaN would make every max over heads order-dependent, so refuse it here.
    if (!Number.isFinite(values[i])) throw new Error(errors.nonFinite(label, l, Math.floor(i / k), i % k));
  }
  return values;
}

/** Throws unless `patterns` has one Float32Array of H*K finite values per layer. */
export function validatePatterns(layout: PatternLayout, patterns: RefitPatterns, label: string): void {
  validateLayout(layout);
  if ("attn" in patterns && (!Array.isArray(patterns.attn) || patterns.attn.length !== layout.nLayers)) {
    throw new Error(errors.layerCount(label, Array.isArray(patterns.attn) ? patterns.attn.length : 0, layout.nLayers));
  }
  for (let l = 0; l < layout.nLayers; l++) patternLayer(layout, patterns, l, label);
}
