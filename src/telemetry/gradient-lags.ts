/**
 * The lags exported by `tbptt_gradient_norm_by_lag{lag}`: 0, 1, 2, 4, 8, 16, … (0 and the powers of two)
 * below the diagnostic window W. The set is fixed by W, so the label takes at most ⌊log2(W−1)⌋ + 2 values.
 *
 * @param window diagnostic window W (lags measured per diagnostic), ≥ 1.
 * @returns ascending code lags j (j = 0 is the state entering the last step).
 */
export function gradientLags(window: number): number[] {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be an integer ≥ 1, got ${window}`);
  const lags = [0];
  for (let lag = 1; lag < window; lag *= 2) lags.push(lag);
  return lags;
}
