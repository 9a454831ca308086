import { BETA_METHODS, tauProblem, type BetaMethod } from './estimate-log-beta';

/** Options of the `TruncationEstimator`; every field is optional on input and defaults to `TRUNCATION_DEFAULTS`. */
export interface TruncationOptions {
  /** Tolerated relative gradient bias δ (> 0; the convergence guarantee needs δ < 1). Default 0.1. */
  readonly delta: number;
  /** W, the number of lags each diagnostic measures (rows of `lagNorms`). Default 100. */
  readonly window: number;
  /** τ, the lag from which geometric decay is assumed; 0 ≤ τ < W (≤ W − 2 for the tail methods). Default 90. */
  readonly tau: number;
  /** Smallest K ever used (≥ 1). Default 2. */
  readonly kMin: number;
  /** Largest K ever used (≥ kMin; K̂ ≤ W, so values above W only matter through kMin). Default 100. */
  readonly kMax: number;
  /** R: K = floor(mean of the last R estimates K̂), then clamped (≥ 1). Default 5. */
  readonly repeats: number;
  /** Decay-rate estimator (see `BetaMethod`). Default 'ols', the reference's. */
  readonly method: BetaMethod;
  /** K before the first diagnostic (clamped to [kMin, kMax]). Default 15, the reference's copy-task K0. */
  readonly k0: number;
}

/** The documented defaults (issue 3; method.md sections 3 and 5). */
export const TRUNCATION_DEFAULTS: TruncationOptions = Object.freeze({
  delta: 0.1,
  window: 100,
  tau: 90,
  kMin: 2,
  kMax: 100,
  repeats: 5,
  method: 'ols',
  k0: 15,
});

/**
 * Fills defaults and validates. Throws a RangeError whose message names the option and says how to fix it.
 *
 * @returns the complete, frozen options.
 */
export function resolveTruncationOptions(input: Partial<TruncationOptions> = {}): TruncationOptions {
  const o: TruncationOptions = { ...TRUNCATION_DEFAULTS, ...stripUndefined(input) };
  const fail = (msg: string): never => {
    throw new RangeError(`truncation options: ${msg}`);
  };
  if (!(typeof o.delta === 'number' && o.delta > 0 && Number.isFinite(o.delta))) {
    fail(`delta must be a finite number > 0 (the tolerated relative bias, e.g. 0.1), got ${o.delta}`);
  }
  const positiveInt = (name: keyof TruncationOptions, v: unknown, min: number, hint: string): void => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= min)) fail(`${name} must be an integer ≥ ${min} (${hint}), got ${v}`);
  };
  positiveInt('window', o.window, 2, 'the number of lags a diagnostic measures, e.g. 100');
  positiveInt('kMin', o.kMin, 1, 'the smallest truncation length, e.g. 2');
  positiveInt('kMax', o.kMax, 1, 'the largest truncation length, e.g. 100');
  positiveInt('repeats', o.repeats, 1, 'how many estimates are averaged, e.g. 5');
  positiveInt('k0', o.k0, 1, 'the truncation length before the first diagnostic, e.g. 15');
  if (o.kMin > o.kMax) fail(`kMin (${o.kMin}) must be ≤ kMax (${o.kMax}); raise kMax or lower kMin`);
  if (!BETA_METHODS.includes(o.method)) fail(`method must be one of ${BETA_METHODS.join(', ')}, got ${JSON.stringify(o.method)}`);
  const tauMsg = tauProblem(o.window, o.tau, o.method);
  if (tauMsg !== null) fail(`${tauMsg} (set tau, e.g. to W − W/10 = ${o.window - Math.max(2, Math.floor(o.window / 10))})`);
  return Object.freeze(o);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
