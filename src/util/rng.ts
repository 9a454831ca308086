/**
 * A small seeded pseudo-random generator: xoshiro128** (Blackman & Vigna, 2018,
 * https://prng.di.unimi.it/xoshiro128starstar.c), 128 bits of state, period 2^128 − 1, seeded through
 * splitmix32 so that nearby seeds give unrelated streams. Not cryptographic.
 */
export interface Rng {
  /** Uniform float in [0, 1) with 32 random bits. */
  next(): number;
  /** Standard normal N(0, 1) (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number;
  /** Uniform integer in [0, n) for a positive integer n ≤ 2^32. */
  int(n: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** The complete generator state (plain JSON data), for checkpoints. */
  snapshot(): RngSnapshot;
  /** Continues exactly where the snapshot was taken. */
  restore(snapshot: RngSnapshot): void;
}

/** Serialisable generator state: the four 32-bit words and the cached second normal, if any. */
export interface RngSnapshot {
  readonly state: readonly [number, number, number, number];
  readonly spareNormal: number | null;
}

const TWO_POW_32 = 4294967296;

/** A generator seeded from any finite number (its low 32 bits and, for non-integers, its fraction). */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`rng seed must be a finite number, got ${seed}`);
  // splitmix32 expands the seed into four words; an all-zero state is impossible in practice but guarded.
  let sm = (Math.floor(seed) ^ Math.floor((seed % 1) * TWO_POW_32)) | 0;
  const splitmix32 = (): number => {
    sm = (sm + 0x9e3779b9) | 0;
    let z = sm;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
  let s0 = splitmix32(), s1 = splitmix32(), s2 = splitmix32(), s3 = splitmix32();
  if ((s0 | s1 | s2 | s3) === 0) s0 = 1;
  let spare: number | null = null;

  /** One xoshiro128** step: a uniform uint32. */
  const nextU32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    s2 ^= s0;
    s3 ^= s1;
    s1 ^= s2;
    s0 ^= s3;
    s2 ^= t;
    s3 = rotl(s3, 11);
    return result;
  };

  const rng: Rng = {
    next: () => nextU32() / TWO_POW_32,
    normal: () => {
      if (spare !== null) {
        const v = spare;
        spare = null;
        return v;
      }
      // Box–Muller on (0, 1] × [0, 1): u1 > 0 keeps the log finite.
      const u1 = 1 - nextU32() / TWO_POW_32;
      const u2 = nextU32() / TWO_POW_32;
      const r = Math.sqrt(-2 * Math.log(u1));
      spare = r * Math.sin(2 * Math.PI * u2);
      return r * Math.cos(2 * Math.PI * u2);
    },
    int: (n: number) => {
      if (!Number.isInteger(n) || n < 1 || n > TWO_POW_32) throw new RangeError(`rng.int(n) needs an integer 1 ≤ n ≤ 2^32, got ${n}`);
      // Rejection sampling removes the modulo bias.
      const limit = TWO_POW_32 - (TWO_POW_32 % n);
      let x = nextU32();
      while (x >= limit) x = nextU32();
      return x % n;
    },
    uniform: (lo: number, hi: number) => lo + (hi - lo) * (nextU32() / TWO_POW_32),
    snapshot: () => ({ state: [s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0], spareNormal: spare }),
    restore: (snap: RngSnapshot) => {
      const st = snap.state;
      if (st.length !== 4 || st.some((w) => !Number.isInteger(w) || w < 0 || w >= TWO_POW_32) || st.every((w) => w === 0)) {
        throw new RangeError('rng snapshot: state must be four 32-bit unsigned integers, not all zero');
      }
      [s0, s1, s2, s3] = [st[0] | 0, st[1] | 0, st[2] | 0, st[3] | 0];
      spare = snap.spareNormal;
    },
  };
  return rng;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
