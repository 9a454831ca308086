import { BIAS_FAILURES, estimateBias, logRelBiasAt, type BiasEstimate, type BiasFailure } from './bias-estimate';
import { chooseTruncation, clampTruncation } from './choose-truncation';
import { BETA_METHODS, type BetaMethod } from './estimate-log-beta';
import { normProfileProblem } from './norm-profile-problem';
import { resolveTruncationOptions, type TruncationOptions } from './truncation-options';

/**
 * Why a diagnostic ended with K̂ = W: a `BiasFailure` (δ̂ = ∞ for every K), or `delta-not-reached` (δ̂ is
 * finite but ≥ δ for every K ≤ W).
 */
export type TruncationFailure = BiasFailure | 'delta-not-reached';

/** Every counted reason. */
export const TRUNCATION_FAILURES: readonly TruncationFailure[] = [...BIAS_FAILURES, 'delta-not-reached'];

/** What one `update` produced. */
export interface TruncationUpdate {
  /** K̂(δ) of this diagnostic, in 1..W, before smoothing and clamping. */
  readonly kHat: number;
  /** The new `value`: floor of the mean of the last R K̂, clamped to [kMin, kMax]. */
  readonly k: number;
  readonly logBeta: number;
  /** log δ̂ at the new K (+Infinity when unbounded). */
  readonly logRelBiasAtK: number;
  /** Why K̂ = W, or null. */
  readonly failure: TruncationFailure | null;
}

/** JSON-serialisable state of a `TruncationEstimator` (infinite logs are written as null). */
export interface TruncationSnapshot {
  readonly version: 1;
  /** The options in force when the snapshot was taken (informative; `restore` keeps the receiver's). */
  readonly options: TruncationOptions;
  /** The last ≤ R estimates K̂, oldest first. */
  readonly recentEstimates: number[];
  readonly updates: number;
  readonly failures: Record<TruncationFailure, number>;
  readonly last: {
    readonly tau: number;
    readonly method: BetaMethod;
    readonly logBeta: number;
    readonly logNormTau: number;
    /** log Ĝ; null = −∞. */
    readonly logLowerBound: number | null;
    /** log Ê(K), K = 1..W; null = +∞. */
    readonly logAbsBias: (number | null)[];
    /** log δ̂(K), K = 1..W; null = +∞. */
    readonly logRelBias: (number | null)[];
    readonly failure: BiasFailure | null;
  } | null;
}

/**
 * The adaptive truncation length, as a tensor-free statistic (River style: `update`, `value`, `snapshot`).
 * Each `update` takes one diagnostic's norms, estimates δ̂(K) for K = 1..W and K̂(δ) (method.md section 2),
 * and the value becomes floor(mean of the last R estimates K̂) clamped to [kMin, kMax] (decision 5.6).
 * K̂ = W whenever the bias cannot be bounded (decision 5.1); each such event is counted by reason.
 * A fixed-K user ignores `value` and reads `logRelBiasAt(K)` to see the bias of its K.
 */
export class TruncationEstimator {
  readonly options: TruncationOptions;
  private recent: number[] = [];
  private updateCount = 0;
  private failureCounts: Record<TruncationFailure, number> = zeroCounts();
  private last: BiasEstimate | undefined;

  /** @param options partial options; missing ones take `TRUNCATION_DEFAULTS`. Throws a RangeError when invalid. */
  constructor(options: Partial<TruncationOptions> = {}) {
    this.options = resolveTruncationOptions(options);
  }

  /** The current truncation length K (k0 clamped before the first diagnostic). */
  get value(): number {
    const { kMin, kMax, k0 } = this.options;
    if (this.recent.length === 0) return clampTruncation(k0, kMin, kMax);
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    return clampTruncation(Math.floor(mean), kMin, kMax);
  }

  /** Diagnostics processed so far. */
  get updates(): number {
    return this.updateCount;
  }

  /** How many diagnostics ended with K̂ = W, by reason (a copy). */
  get failures(): Readonly<Record<TruncationFailure, number>> {
    return { ...this.failureCounts };
  }

  /** The last diagnostic's full estimate, or undefined before the first. */
  get lastEstimate(): BiasEstimate | undefined {
    return this.last;
  }

  /** The last log β̂, or undefined before the first diagnostic. */
  get logBeta(): number | undefined {
    return this.last?.logBeta;
  }

  /** log δ̂ at any K ≥ 1 from the last diagnostic (extrapolated beyond W); undefined before the first. */
  logRelBiasAt(k: number): number | undefined {
    return this.last === undefined ? undefined : logRelBiasAt(this.last, k);
  }

  /** δ̂ at the current `value` (Infinity when unbounded); undefined before the first diagnostic. */
  get relBias(): number | undefined {
    const l = this.logRelBiasAt(this.value);
    return l === undefined ? undefined : Math.exp(l);
  }

  /**
   * Feeds one diagnostic.
   *
   * @param lagNorms per-lag state-gradient norms [W][S] (code lag j = 0 is the state entering the last step).
   * @param cumNorms cumulative norms C [W] (exact mode: norm of the running sum of batch-mean gradients).
   * Throws a RangeError naming the problem when the shapes do not match W or a value is not finite and ≥ 0.
   */
  update(lagNorms: ReadonlyArray<ArrayLike<number>>, cumNorms: ArrayLike<number>): TruncationUpdate {
    const { window, tau, method, delta, repeats } = this.options;
    const problem = normProfileProblem(lagNorms, cumNorms);
    if (problem !== null) throw new RangeError(problem);
    if (lagNorms.length !== window) {
      throw new RangeError(`lagNorms has ${lagNorms.length} lags but the estimator's window W is ${window}`);
    }
    const estimate = estimateBias(lagNorms, cumNorms, tau, method);
    const kHat = chooseTruncation(estimate.logRelBias, delta);
    let failure: TruncationFailure | null = estimate.failure;
    if (failure === null && estimate.logRelBias[kHat - 1] >= Math.log(delta)) failure = 'delta-not-reached';
    if (failure !== null) this.failureCounts[failure]++;
    this.last = estimate;
    this.updateCount++;
    this.recent.push(kHat);
    if (this.recent.length > repeats) this.recent.splice(0, this.recent.length - repeats);
    const k = this.value;
    return { kHat, k, logBeta: estimate.logBeta, logRelBiasAtK: logRelBiasAt(estimate, k), failure };
  }

  /** The state as plain JSON data. */
  snapshot(): TruncationSnapshot {
    const l = this.last;
    return {
      version: 1,
      options: { ...this.options },
      recentEstimates: [...this.recent],
      updates: this.updateCount,
      failures: { ...this.failureCounts },
      last: l === undefined ? null : {
        tau: l.tau,
        method: l.method,
        logBeta: l.logBeta,
        logNormTau: l.logNormTau,
        logLowerBound: finiteOrNull(l.logLowerBound),
        logAbsBias: Array.from(l.logAbsBias, finiteOrNull),
        logRelBias: Array.from(l.logRelBias, finiteOrNull),
        failure: l.failure,
      },
    };
  }

  /**
   * Replaces the state with a snapshot's. The receiver keeps its own options: the recent estimates are
   * trimmed to its R, and the last diagnostic is dropped when its W differs. Throws on a malformed snapshot.
   */
  restore(snapshot: TruncationSnapshot): void {
    const s = snapshot as Partial<TruncationSnapshot> | null;
    const bad = (what: string): never => {
      throw new RangeError(`truncation snapshot: ${what}`);
    };
    if (s === null || typeof s !== 'object' || s.version !== 1) bad(`unsupported version ${JSON.stringify(s?.version)}, expected 1`);
    const recent = s!.recentEstimates;
    if (!Array.isArray(recent) || !recent.every((k) => Number.isInteger(k) && k >= 1)) bad('recentEstimates must be integers ≥ 1');
    if (!Number.isInteger(s!.updates) || s!.updates! < 0) bad('updates must be an integer ≥ 0');
    const counts = zeroCounts();
    for (const reason of TRUNCATION_FAILURES) {
      const n = s!.failures?.[reason] ?? 0;
      if (!Number.isInteger(n) || n < 0) bad(`failures.${reason} must be an integer ≥ 0`);
      counts[reason] = n;
    }
    let last: BiasEstimate | undefined;
    const l = s!.last;
    if (l !== null && l !== undefined) {
      if (!Array.isArray(l.logAbsBias) || !Array.isArray(l.logRelBias) || l.logAbsBias.length !== l.logRelBias.length) {
        bad('last.logAbsBias and last.logRelBias must be arrays of the same length');
      }
      if (!BETA_METHODS.includes(l.method)) bad(`last.method ${JSON.stringify(l.method)} is unknown`);
      if (l.logAbsBias.length === this.options.window) {
        last = {
          window: l.logAbsBias.length,
          tau: l.tau,
          method: l.method,
          logBeta: l.logBeta,
          logNormTau: l.logNormTau,
          logLowerBound: l.logLowerBound ?? -Infinity,
          logAbsBias: Float64Array.from(l.logAbsBias, (v) => v ?? Infinity),
          logRelBias: Float64Array.from(l.logRelBias, (v) => v ?? Infinity),
          failure: l.failure ?? null,
        };
      }
    }
    this.recent = recent!.slice(-this.options.repeats);
    this.updateCount = s!.updates!;
    this.failureCounts = counts;
    this.last = last;
  }
}

function zeroCounts(): Record<TruncationFailure, number> {
  return Object.fromEntries(TRUNCATION_FAILURES.map((r) => [r, 0])) as Record<TruncationFailure, number>;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
