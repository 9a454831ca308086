/**
 * Log-space arithmetic for the truncation estimator (method.md section 2: "work in log space so that tiny
 * norms do not underflow"). All arguments and results are natural logarithms of non-negative numbers;
 * −Infinity stands for 0 and +Infinity for an unbounded quantity.
 */

/** log(e^a + e^b), exact for infinite arguments (numpy's `logaddexp`). */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  if (a === Infinity || b === Infinity) return Infinity;
  const hi = Math.max(a, b);
  return hi + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/** log(1 − e^x) for x ≤ 0 (NaN for x > 0), accurate near both ends (Mächler's log1mexp). */
export function log1mExp(x: number): number {
  if (x > 0) return NaN;
  return x > -Math.LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
}

/** log(e^a − e^b) for b ≤ a; −Infinity when b = a, NaN when b > a. */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  return a + log1mExp(b - a);
}
