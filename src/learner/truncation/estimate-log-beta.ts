import { linearQuantile } from './linear-quantile';

/**
 * How log β̂ (the geometric decay rate of the mean per-lag norms) is estimated (method.md section 2, step 2):
 * - `ols`: least-squares slope of ℓφ_j against j over all lags 0..W−1 with ℓφ_j ≥ −50 — the reference's
 *   default, used by every published experiment. It ignores τ (method.md decision 5.2).
 * - `ols-tail`: the same fit over lags τ..W−1 only, which is what assumption states (ours).
 * - `max`: max over i = 1..W−1−τ of (ℓφ_{τ+i} − ℓφ_τ)/i, a conservative envelope.
 * - `quantile`: the 0.95 quantile (numpy's default linear interpolation) of the pairwise slopes
 *   (ℓφ_i − ℓφ_j)/(i − j) over τ ≤ j < i ≤ W−1.
 */
export type BetaMethod = 'ols' | 'ols-tail' | 'max' | 'quantile';

/** Every β method, in documentation order. */
export const BETA_METHODS: readonly BetaMethod[] = ['ols', 'ols-tail', 'max', 'quantile'];

/** Log norms below this count as zero in the OLS fits (the reference's cut-off: e^−50 ≈ 2e−22). */
export const OLS_LOG_FLOOR = -50;

/** The quantile used by `quantile` (the reference's default). */
export const BETA_QUANTILE = 0.95;

/** Result of a log β̂ estimate. */
export interface LogBetaEstimate {
  /** log β̂; 0 when the OLS fits had at most one usable lag (the reference's fallback). */
  readonly logBeta: number;
  /** false when an OLS fit had at most one lag with ℓφ ≥ −50, so nothing was fitted (logBeta is then 0). */
  readonly fitted: boolean;
}

/**
 * Why τ is unusable for `method` with W lags, or null when it is fine. `ols` needs 0 ≤ τ ≤ W−1 (τ is still
 * used by the bias estimate); the tail methods need at least two lags in τ..W−1, so τ ≤ W−2.
 */
export function tauProblem(window: number, tau: number, method: BetaMethod): string | null {
  if (!Number.isInteger(tau) || tau < 0) return `tau must be an integer ≥ 0, got ${tau}`;
  if (tau >= window) return `tau (${tau}) must be smaller than the window W (${window}); the default is W − W/10`;
  if (method !== 'ols' && tau > window - 2) {
    return `method "${method}" needs at least two lags in tau..W−1, so tau (${tau}) must be ≤ W − 2 = ${window - 2}`;
  }
  return null;
}

/**
 * Step 2 of the estimator: log β̂ from the mean log norms ℓφ (shape [W], from `meanLogNorms`).
 *
 * @param logNorms ℓφ_j for code lags j = 0..W−1.
 * @param tau the lag from which geometric decay is assumed; must satisfy `tauProblem(W, tau, method) === null`.
 */
export function estimateLogBeta(logNorms: ArrayLike<number>, tau: number, method: BetaMethod): LogBetaEstimate {
  const w = logNorms.length;
  const problem = tauProblem(w, tau, method);
  if (problem !== null) throw new RangeError(problem);
  switch (method) {
    case 'ols':
      return olsSlope(logNorms, 0, w);
    case 'ols-tail':
      return olsSlope(logNorms, tau, w);
    case 'max': {
      let best = -Infinity;
      for (let i = 1; i <= w - 1 - tau; i++) best = Math.max(best, (logNorms[tau + i] - logNorms[tau]) / i);
      return { logBeta: best, fitted: true };
    }
    case 'quantile': {
      const slopes: number[] = [];
      for (let i = tau + 1; i < w; i++) {
        for (let j = tau; j < i; j++) slopes.push((logNorms[i] - logNorms[j]) / (i - j));
      }
      return { logBeta: linearQuantile(slopes, BETA_QUANTILE), fitted: true };
    }
  }
}

/** Least-squares slope of ℓφ_j against j over lags from ≤ j < to with ℓφ_j ≥ −50 (centred, like the reference). */
function olsSlope(logNorms: ArrayLike<number>, from: number, to: number): LogBetaEstimate {
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  for (let j = from; j < to; j++) {
    if (logNorms[j] >= OLS_LOG_FLOOR) {
      n++;
      sumX += j;
      sumY += logNorms[j];
    }
  }
  if (n <= 1) return { logBeta: 0, fitted: false };
  const meanX = sumX / n;
  const meanY = sumY / n;
  let sxy = 0;
  let sxx = 0;
  for (let j = from; j < to; j++) {
    if (logNorms[j] >= OLS_LOG_FLOOR) {
      sxy += (j - meanX) * (logNorms[j] - meanY);
      sxx += (j - meanX) ** 2;
    }
  }
  return { logBeta: sxy / sxx, fitted: true };
}
