import { estimateLogBeta, type BetaMethod } from './estimate-log-beta';
import { log1mExp, logAddExp, logSubExp } from './log-space';
import { logCumNorms, meanLogNorms } from './mean-log-norms';

/**
 * Why a diagnostic could not bound the relative bias (δ̂ = ∞ for every K):
 * - `no-decay-fit`: an OLS method found at most one lag with ℓφ ≥ −50 (all norms vanished), so log β̂ fell
 *   back to 0, i.e. β̂ = 1;
 * - `beta-ge-1`: β̂ ≥ 1 — the norms do not decay, the tail cannot be bounded (method.md decision 5.1);
 * - `no-lower-bound`: β̂ < 1 but no lag K' had C_{K'} > Ê(K'), so the lower bound Ĝ of the full gradient
 *   norm is 0.
 */
export type BiasFailure = 'no-decay-fit' | 'beta-ge-1' | 'no-lower-bound';

/** Every failure reason, for counters. */
export const BIAS_FAILURES: readonly BiasFailure[] = ['no-decay-fit', 'beta-ge-1', 'no-lower-bound'];

/** The estimated bias of TBPTT(K) for K = 1..W from one diagnostic (method.md section 2, steps 1–5). */
export interface BiasEstimate {
  /** W, the number of lags measured. */
  readonly window: number;
  readonly tau: number;
  readonly method: BetaMethod;
  /** log β̂ (0 after a `no-decay-fit`). */
  readonly logBeta: number;
  /** ℓφ_τ = log(φ̄_τ + 1e−100), kept to extrapolate Ê(K) beyond W. */
  readonly logNormTau: number;
  /** log Ê(K) at index K − 1, K = 1..W; +Infinity where the tail cannot be bounded. */
  readonly logAbsBias: Float64Array;
  /** log Ĝ, the lower bound of the full gradient norm; −Infinity when there is none. */
  readonly logLowerBound: number;
  /** log δ̂(K) = log Ê(K) − log Ĝ at index K − 1, K = 1..W; +Infinity where δ̂ is infinite. */
  readonly logRelBias: Float64Array;
  /** Why every δ̂ is infinite, or null. */
  readonly failure: BiasFailure | null;
}

/**
 * Runs the estimator's steps 1–5 on one diagnostic, in log space.
 *
 * With β̂ < 1: Ê(K) = Σ_{j=K}^{τ} φ̄_j + φ̄_τ/(1−β̂) for K < τ (φ̄_τ counted twice, as the reference does) and
 * φ̄_τ β̂^{K−τ}/(1−β̂) for K ≥ τ; Ĝ = max over K' = 0..W−1 with C_{K'} > Ê(K') of C_{K'} − Ê(K'), else 0;
 * δ̂(K) = Ê(K)/Ĝ. With β̂ ≥ 1 (or no OLS fit) every Ê and δ̂ is +∞ (decision 5.1: no K ≤ W has a fully
 * measured tail, since lags ≥ W are never observed), so K̂ = W whatever the scale of the norms.
 *
 * @param lagNorms per-lag norms [W][S], finite and ≥ 0 (see `normProfileProblem`).
 * @param cumNorms cumulative norms C [W].
 * @param tau lag from which geometric decay is assumed (see `tauProblem`).
 */
export function estimateBias(
  lagNorms: ReadonlyArray<ArrayLike<number>>,
  cumNorms: ArrayLike<number>,
  tau: number,
  method: BetaMethod,
): BiasEstimate {
  const w = lagNorms.length;
  if (cumNorms.length !== w) throw new RangeError(`cumNorms has ${cumNorms.length} values, expected W = ${w}`);
  // Step 1: mean before log.
  const logNorms = meanLogNorms(lagNorms);
  const logCum = logCumNorms(cumNorms);
  // Step 2: decay rate.
  const { logBeta, fitted } = estimateLogBeta(logNorms, tau, method);
  const base = { window: w, tau, method, logBeta, logNormTau: logNorms[tau] };
  if (!fitted || logBeta >= 0) {
    return {
      ...base,
      logAbsBias: new Float64Array(w).fill(Infinity),
      logLowerBound: -Infinity,
      logRelBias: new Float64Array(w).fill(Infinity),
      failure: fitted ? 'beta-ge-1' : 'no-decay-fit',
    };
  }
  // Step 3: absolute bias Ê(K) for K = 0..W (K = 0 is only used by the lower bound).
  const logAbsAll = logAbsBiasCurve(logNorms, tau, logBeta, w);
  // Step 4: lower bound Ĝ over K' = 0..W−1.
  let logLowerBound = -Infinity;
  for (let k = 0; k < w; k++) {
    if (logCum[k] > logAbsAll[k]) logLowerBound = Math.max(logLowerBound, logSubExp(logCum[k], logAbsAll[k]));
  }
  // Step 5: relative bias for K = 1..W.
  const logAbsBias = logAbsAll.slice(1);
  const logRelBias = new Float64Array(w);
  for (let i = 0; i < w; i++) logRelBias[i] = logLowerBound === -Infinity ? Infinity : logAbsBias[i] - logLowerBound;
  return { ...base, logAbsBias, logLowerBound, logRelBias, failure: logLowerBound === -Infinity ? 'no-lower-bound' : null };
}

/** log Ê(K) for K = 0..maxK (index K), for β̂ < 1. */
function logAbsBiasCurve(logNorms: Float64Array, tau: number, logBeta: number, maxK: number): Float64Array {
  const logTail = logNorms[tau] - log1mExp(logBeta); // log(φ̄_τ/(1−β̂))
  // suffix[t] = log Σ_{j=t}^{τ} φ̄_j, t = 0..τ
  const suffix = new Float64Array(tau + 1);
  suffix[tau] = logNorms[tau];
  for (let t = tau - 1; t >= 0; t--) suffix[t] = logAddExp(suffix[t + 1], logNorms[t]);
  const out = new Float64Array(maxK + 1);
  for (let k = 0; k <= maxK; k++) out[k] = k < tau ? logAddExp(suffix[k], logTail) : logTail + (k - tau) * logBeta;
  return out;
}

/**
 * log δ̂(K) for any K ≥ 1 from an estimate: read from the curve for K ≤ W, extrapolated with the geometric
 * tail φ̄_τ β̂^{K−τ}/(1−β̂) beyond W (a fixed K larger than the diagnostic window still gets its bias).
 */
export function logRelBiasAt(estimate: BiasEstimate, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`K must be an integer ≥ 1, got ${k}`);
  if (k <= estimate.window) return estimate.logRelBias[k - 1];
  if (estimate.failure !== null) return Infinity;
  const logAbs = estimate.logNormTau + (k - estimate.tau) * estimate.logBeta - log1mExp(estimate.logBeta);
  return logAbs - estimate.logLowerBound;
}
