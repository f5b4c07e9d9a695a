// Hand-written heads for the compare tests: two probes of length 2, so each probe's lower
// triangle is [a00, a10, a11] and K = 3 + 3. The cosines between these rows are easy by hand:
// cos(SELF, BOS) = 1/2, cos(SELF, HALF) = cos(BOS, HALF) = 1.5 / (sqrt 2 * sqrt 1.5) = sqrt(3)/2.
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";

export const SELF = [1, 0, 1]; // token 1 attends to itself
export const BOS = [1, 1, 0]; // token 1 attends to BOS
export const HALF = [1, 0.5, 0.5]; // token 1 splits evenly

/** Heads as [probe 1, probe 2]. */
export const A = [SELF, BOS];
export const B = [BOS, BOS];
export const C = [HALF, HALF];
export const D = [SELF, SELF];

export const HALF_SQRT3 = Math.sqrt(3) / 2;

export const layout1x2: PatternLayout = { nLayers: 1, nHeads: 2, probeLengths: [2, 2] };
export const layout2x2: PatternLayout = { nLayers: 2, nHeads: 2, probeLengths: [2, 2] };
