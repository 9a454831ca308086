import type { LagNorms } from '../engines/engine';
import type { TruncationEstimator, TruncationFailure } from '../truncation/truncation-estimator';
import type { KeyHistory } from './key-history';
import type { OnlineLearner } from './online-learner';

export interface TruncationControllerOptions {
  /** adaptive: the estimator's K is applied; fixed: K stays, δ̂ at it is still reported. */
  readonly mode: 'adaptive' | 'fixed';
  /** Run a diagnostic every this many training windows (0 = not by count). */
  readonly everyWindows: number;
  /** ... or when this many milliseconds of wall time have passed since the last (0 = not by time). */
  readonly everyMs: number;
  /** Streams sampled per diagnostic (S). */
  readonly streams: number;
  /** Which keys to sample from those with enough history (default: a uniformly random subset). */
  readonly pick?: (candidates: KeyHistory[], n: number) => KeyHistory[];
  /** Wall clock in milliseconds (injected so tests control time). */
  readonly now: () => number;
  /** Uniform [0, 1) numbers for sampling keys. */
  readonly random: () => number;
}

/** What one diagnostic found. */
export interface DiagnosticReport {
  readonly previousK: number;
  /** K in force from the next window on. */
  readonly k: number;
  /** K̂ of this diagnostic before smoothing and clamping. */
  readonly kHat: number;
  readonly logBeta: number;
  /** δ̂ at the K now in force (Infinity when the bias cannot be bounded). */
  readonly relBias: number;
  readonly failure: TruncationFailure | null;
  /** Wall time of the diagnostic pass plus the estimate, in seconds. */
  readonly durationSeconds: number;
  readonly streams: number;
  /** Batch-mean norm per lag (lag j = state entering the last step − j). */
  readonly meanLagNorms: Float64Array;
}

/**
 * Re-estimates the truncation length while the learner trains (issue 3, deliverable 3): every N windows
 * or T seconds it runs the diagnostic pass on S keys with at least W steps of retained history, from each
 * key's real stored state W steps back, feeds the estimator, and applies the new K from the next window.
 * Fixed K is the same path with the estimator's K ignored.
 */
export class TruncationController {
  private windowsSince = 0;
  private lastRunMs: number;
  /** Diagnostics skipped because no key had W steps of history. */
  insufficientHistory = 0;
  /** Diagnostics whose gradient norms were not finite (not counted in the snapshot: a transient condition). */
  nonFiniteNorms = 0;

  constructor(
    private readonly learner: OnlineLearner,
    private readonly estimator: TruncationEstimator,
    private readonly options: TruncationControllerOptions,
  ) {
    this.lastRunMs = options.now();
  }

  /** The schedule's state as data (windows since the last diagnostic, skipped count). */
  snapshot(): { windowsSince: number; insufficientHistory: number } {
    return { windowsSince: this.windowsSince, insufficientHistory: this.insufficientHistory };
  }

  restore(snap: { windowsSince: number; insufficientHistory: number }): void {
    if (!Number.isInteger(snap?.windowsSince) || !Number.isInteger(snap?.insufficientHistory)) throw new RangeError('truncation controller snapshot: malformed');
    this.windowsSince = snap.windowsSince;
    this.insufficientHistory = snap.insufficientHistory;
  }

  /** Call after every training window; runs a diagnostic when one is due. */
  afterWindow(): DiagnosticReport | undefined {
    this.windowsSince++;
    const { everyWindows, everyMs } = this.options;
    const byCount = everyWindows > 0 && this.windowsSince >= everyWindows;
    const byTime = everyMs > 0 && this.options.now() - this.lastRunMs >= everyMs;
    return byCount || byTime ? this.runNow() : undefined;
  }

  /**
   * Whether a diagnostic will be due after the next window: the learner then trains that window at once
   * (not in the background), so that the diagnostic sees the same steps and parameters either way.
   * `notCounted`: windows trained whose reports have not reached {@link afterWindow} yet.
   */
  dueAfterNextWindow(notCounted = 0): boolean {
    const { everyWindows, everyMs } = this.options;
    return (everyWindows > 0 && this.windowsSince + notCounted + 1 >= everyWindows) || (everyMs > 0 && this.options.now() - this.lastRunMs >= everyMs);
  }

  /** Runs a diagnostic now (returns undefined, and counts it, when no key has enough history). */
  runNow(): DiagnosticReport | undefined {
    const started = this.options.now();
    this.windowsSince = 0;
    this.lastRunMs = started;
    const { window } = this.estimator.options;
    const norms = this.learner.diagnose(window, this.options.streams, this.options.pick ?? ((c, n) => this.sample(c, n)));
    if (!norms) {
      this.insufficientHistory++;
      return undefined;
    }
    if (!norms.lagNorms.every((row) => row.every(Number.isFinite)) || !norms.cumExact.every(Number.isFinite)) {
      // The model produced non-finite state gradients (its updates are being skipped too): no estimate; K stays.
      this.nonFiniteNorms++;
      return undefined;
    }
    const previousK = this.learner.k;
    const update = this.estimator.update(norms.lagNorms, norms.cumExact);
    if (this.options.mode === 'adaptive') this.learner.setK(update.k);
    const k = this.learner.k;
    const logRel = this.estimator.logRelBiasAt(k) ?? Infinity;
    return {
      previousK, k, kHat: update.kHat, logBeta: update.logBeta, relBias: Math.exp(logRel), failure: update.failure,
      durationSeconds: (this.options.now() - started) / 1000, streams: norms.lagNorms[0]?.length ?? 0,
      meanLagNorms: meanPerLag(norms),
    };
  }

  private sample(candidates: KeyHistory[], n: number): KeyHistory[] {
    const pool = [...candidates];
    const out: KeyHistory[] = [];
    while (out.length < n && pool.length > 0) {
      const i = Math.floor(this.options.random() * pool.length);
      out.push(pool[i]);
      pool[i] = pool[pool.length - 1];
      pool.pop();
    }
    return out;
  }
}

function meanPerLag(norms: LagNorms): Float64Array {
  return Float64Array.from(norms.lagNorms, (row) => row.reduce((a, b) => a + b, 0) / Math.max(1, row.length));
}
