// Seeded PRNG: xoshiro128** (Blackman & Vigna) with state filled by splitmix32 from the seed
// words. Only 32-bit integer ops (Math.imul, >>>), so the stream is identical on every platform.
// Several seed words give independent streams, e.g. rng([dataSeed, step]) for a batch.

export interface Rng {
  /** Uniform in [0, 1), 32 bits of resolution. */
  next(): number;
  /** Uniform integer in [0, n), for 1 <= n <= 2^32, without modulo bias. */
  int(n: number): number;
}

/** A generator seeded by one integer or a list of them (each a safe integer; negative allowed). */
export function rng(seed: number | readonly number[]): Rng {
  const words = typeof seed === "number" ? [seed] : seed;
  for (const word of words) if (!Number.isSafeInteger(word)) throw new RangeError(`rng: seed ${word} is not a safe integer`);
  // Each state word hashes all seed words from its own start value, so two seeds collide only if
  // all four 32-bit lanes do. Both halves of a 53-bit word go in, so high bits count too.
  const state = [0, 1, 2, 3].map((lane) => {
    let mix = splitmix32(Math.imul(lane + 1, 0x632be5ab) ^ words.length);
    for (const word of words) mix = splitmix32(splitmix32(mix ^ (word >>> 0)) ^ Math.floor(word / 2 ** 32));
    return mix;
  });
  return xoshiro128ss(state);
}

/** The raw generator from a 4-word state (not all zero); `rng` is the way to seed it. */
export function xoshiro128ss(state: readonly number[]): Rng {
  const s = Uint32Array.from(state);
  if (s.length !== 4) throw new RangeError(`xoshiro128**: state needs 4 words, got ${s.length}`);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // the all-zero state is a fixed point

  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };

  return {
    next: () => nextUint32() / 2 ** 32,
    int(n: number): number {
      if (!Number.isInteger(n) || n < 1 || n > 2 ** 32) throw new RangeError(`rng.int: n must be an integer in [1, 2^32], got ${n}`);
      const limit = 2 ** 32 - (2 ** 32 % n); // reject the short top slice so every residue is equally likely
      let x = nextUint32();
      while (x >= limit) x = nextUint32();
      return x % n;
    },
  };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** One step of splitmix32: a bijective 32-bit mixer. */
function splitmix32(x: number): number {
  let z = (x + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Fisher-Yates shuffle in place, driven by a seeded generator (so a seed fixes the order). */
export function shuffleInPlace<T>(items: T[], draw: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = draw.int(i + 1);
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
