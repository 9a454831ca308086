/**
 * The q-quantile of `values` with linear interpolation between order statistics — numpy's default
 * (`np.quantile(..., method='linear')`, R's type 7): sort ascending, h = (n − 1)·q, and interpolate between
 * the values at floor(h) and floor(h) + 1.
 *
 * @param values at least one number (not modified).
 * @param q in [0, 1].
 */
export function linearQuantile(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) throw new RangeError('linearQuantile: no values');
  if (!(q >= 0 && q <= 1)) throw new RangeError(`linearQuantile: q must be in [0, 1], got ${q}`);
  const sorted = Float64Array.from(values).sort();
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  if (lo >= sorted.length - 1) return sorted[sorted.length - 1];
  const frac = h - lo;
  return sorted[lo] + frac * (sorted[lo + 1] - sorted[lo]);
}
