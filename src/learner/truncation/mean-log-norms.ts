/** Added to every mean norm before the log, as the reference does (its EPS), so a zero norm has a finite log. */
export const NORM_EPS = 1e-100;

/**
 * Step 1 of the estimator (method.md section 2): ℓφ_j = log(mean over the S columns of φ_{j,s} + 1e−100), the
 * mean taken before the log (the reference's default).
 *
 * @param lagNorms per-lag state-gradient norms, shape [W][S] (W lags, code lag j = 0 is the state entering
 *   the last step; S sequences). Finite and ≥ 0; validated by the callers.
 * @returns ℓφ, shape [W].
 */
export function meanLogNorms(lagNorms: ReadonlyArray<ArrayLike<number>>): Float64Array {
  const out = new Float64Array(lagNorms.length);
  for (let j = 0; j < lagNorms.length; j++) {
    const row = lagNorms[j];
    let sum = 0;
    for (let s = 0; s < row.length; s++) sum += row[s];
    let mean = sum / row.length;
    if (!Number.isFinite(mean)) {
      // The sum of very large norms overflowed: average scaled terms instead.
      mean = 0;
      for (let s = 0; s < row.length; s++) mean += row[s] / row.length;
    }
    out[j] = Math.log(mean + NORM_EPS);
  }
  return out;
}

/** ℓC_j = log(C_j + 1e−100) for the cumulative norms C, shape [W]. */
export function logCumNorms(cumNorms: ArrayLike<number>): Float64Array {
  const out = new Float64Array(cumNorms.length);
  for (let j = 0; j < cumNorms.length; j++) out[j] = Math.log(cumNorms[j] + NORM_EPS);
  return out;
}
