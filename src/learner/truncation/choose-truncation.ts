/**
 * K̂(δ) (method.md section 2, step 5): the smallest K in 1..W with δ̂(K) < δ (strict), else W.
 *
 * @param logRelBias log δ̂(K) at index K − 1, K = 1..W (+Infinity where infinite).
 * @param delta the tolerated relative bias, > 0.
 * @returns K̂ in 1..W, not clamped.
 */
export function chooseTruncation(logRelBias: ArrayLike<number>, delta: number): number {
  if (!(delta > 0) || !Number.isFinite(delta)) throw new RangeError(`delta must be a finite number > 0, got ${delta}`);
  const logDelta = Math.log(delta);
  for (let i = 0; i < logRelBias.length; i++) if (logRelBias[i] < logDelta) return i + 1;
  return logRelBias.length;
}

/** K clamped to [kMin, kMax] (method.md section 2, step 6). */
export function clampTruncation(k: number, kMin: number, kMax: number): number {
  return Math.min(kMax, Math.max(kMin, k));
}
