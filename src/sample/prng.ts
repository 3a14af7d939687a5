/**
 * Seeded pseudo-random numbers for the sample generator. sfc32 (Chris Doty-Humphrey's Small
 * Fast Counting generator, 128-bit state) seeded through the cyrb128 string hash, so a seed
 * and a label always give the same stream on every platform. Never uses Math.random.
 */

/** A deterministic random stream. */
export interface Prng {
  /** Uniform float in [0, 1), 32 bits of precision. */
  next(): number;
  /** Uniform integer in [0, n); `n` must be a positive integer below 2^32. */
  below(n: number): number;
  /** Uniform integer in [min, max], both inclusive. */
  between(min: number, max: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
  /**
   * An independent stream derived from this stream's key and `label`, not from its current
   * state: forking does not advance this stream, and what one fork draws never shifts another.
   */
  fork(label: string): Prng;
}

/** cyrb128: four 32-bit words from a string (public-domain hash by bryc). */
function cyrb128(text: string): [number, number, number, number] {
  let h1 = 1779033703;
  let h2 = 3144134277;
  let h3 = 1013904242;
  let h4 = 2773480762;
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function fromKey(key: string): Prng {
  let [a, b, c, d] = cyrb128(key);
  const nextUint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // Discard the first outputs: sfc32 mixes poorly right after seeding.
  for (let i = 0; i < 15; i++) nextUint32();

  const prng: Prng = {
    next: () => nextUint32() / 4294967296,
    below: (n) => Math.floor((nextUint32() / 4294967296) * n),
    between: (min, max) => min + Math.floor((nextUint32() / 4294967296) * (max - min + 1)),
    chance: (p) => nextUint32() / 4294967296 < p,
    pick: (items) => {
      if (items.length === 0) throw new RangeError('cannot pick from an empty array');
      return items[prng.below(items.length)]!;
    },
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = prng.below(i + 1);
        const t = items[i]!;
        items[i] = items[j]!;
        items[j] = t;
      }
      return items;
    },
    fork: (label) => fromKey(`${key}/${label}`),
  };
  return prng;
}

/**
 * Creates a random stream from an integer seed.
 * @param seed any safe integer; the same seed gives the same stream.
 * @throws RangeError if `seed` is not a safe integer.
 */
export function createPrng(seed: number): Prng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  return fromKey(`onecode-sample:${seed}`);
}
