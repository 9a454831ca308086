import type { ExperimentMethod } from './experiment-method';

/** One row per epoch of one run (epoch 0 = before training). */
export interface EpochRecord {
  readonly epoch: number;
  /** Mean training loss (nats per step) of the epoch's progressive-validation outcomes; NaN for epoch 0. */
  readonly trainLoss: number;
  /** Mean validation cross-entropy (nats per step). */
  readonly validLoss: number;
  /** The experiment's metric on validation (perplexity or bits per character). */
  readonly validMetric: number;
  /** Cumulative seconds spent training (windows and diagnostics), since the run started. */
  readonly trainSeconds: number;
  /** Cumulative seconds of the run including evaluation. */
  readonly totalSeconds: number;
  /** Cumulative seconds spent in diagnostics (part of trainSeconds). */
  readonly diagnosticSeconds: number;
  /** K in force at the end of the epoch. */
  readonly k: number;
  /** δ̂ at that K from the last diagnostic (NaN before the first, Infinity when unbounded). */
  readonly relBias: number;
  /** log β̂ of the last diagnostic (NaN before the first). */
  readonly logBeta: number;
  /** Training windows (optimizer steps) so far, and updates skipped as non-finite. */
  readonly windows: number;
  readonly skippedUpdates: number;
}

/** One diagnostic of one run. */
export interface DiagnosticEvent {
  /** Training progress in epochs (steps trained per stream / steps per epoch). */
  readonly epochs: number;
  /** Cumulative training seconds when it ran. */
  readonly trainSeconds: number;
  readonly previousK: number;
  readonly k: number;
  readonly kHat: number;
  /** δ̂ at the K in force after it. */
  readonly relBias: number;
  readonly logBeta: number;
  readonly durationSeconds: number;
}

/** Everything one (method, seed) run produced. */
export interface TrialResult {
  readonly method: ExperimentMethod;
  readonly seed: number;
  readonly epochs: EpochRecord[];
  readonly diagnostics: DiagnosticEvent[];
  /** Epoch with the lowest validation metric and the test metric of its parameters. */
  readonly best: { readonly epoch: number; readonly validMetric: number; readonly testMetric: number };
}
