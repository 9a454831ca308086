import { DECODE_FAILURE_REASONS } from '../decode/decode-failure';
import { TRUNCATION_FAILURES } from '../learner/truncation/truncation-estimator';

/**
 * Every metric the service exports, declared once (names, help, types, label names, buckets). The prom-client
 * objects are created from these in metric-catalog.ts; dashboards and alert rules may only name these (and
 * the default process metrics), which a test checks. Units are in the names (Prometheus conventions:
 * base units, `_seconds`, `_total` for counters).
 */

/** 1-2.5-5 steps per decade from `from` up to and including `to` (both powers of ten). */
function decadeBuckets(from: number, to: number): number[] {
  const out: number[] = [];
  for (let decade = from; decade <= to * 1.0001; decade *= 10) {
    for (const m of [1, 2.5, 5]) {
      const v = Number((decade * m).toPrecision(3));
      if (v <= to * 1.0001) out.push(v);
    }
  }
  return out;
}

/** Window (training step) durations: 1 ms … 10 s. */
export const WINDOW_DURATION_BUCKETS_SECONDS: readonly number[] = decadeBuckets(0.001, 10);
/** Diagnostic pass + estimate durations: 1 ms … 100 s (a diagnostic backpropagates W steps for S streams). */
export const DIAGNOSTIC_DURATION_BUCKETS_SECONDS: readonly number[] = decadeBuckets(0.001, 100);
/** Window mean loss (cross-entropy in nats or mean squared error): 0.001 … 100. */
export const LOSS_BUCKETS: readonly number[] = decadeBuckets(0.001, 100);

/** Reasons a diagnostic fails to bound the bias (the estimator's) plus `insufficient-history` (no key had W steps). */
export const DECAY_ESTIMATE_FAILURE_REASONS: readonly string[] = [...TRUNCATION_FAILURES, 'insufficient-history', 'non-finite-norms'];
/** Why a training update was skipped (OnlineLearner's WindowReport['skipped']). */
export const UPDATE_SKIP_REASONS = ['non-finite', 'gradient-too-large'] as const;
/** Components whose handled (non-fatal) errors are counted by `tbptt_errors_total{component}`. */
export const ERROR_COMPONENTS = ['source', 'decoder', 'learner', 'diagnostic', 'predictions', 'dead-letters', 'checkpoint'] as const;
/** Dead-letter reasons: the decoder's fixed reason codes. */
export const DEAD_LETTER_REASONS: readonly string[] = DECODE_FAILURE_REASONS;

export type MetricType = 'counter' | 'gauge' | 'histogram';

/** One metric's declaration. */
export interface MetricSpec {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Histogram upper bounds (histograms only). */
  readonly buckets?: readonly number[];
}

const spec = <const N extends string, const T extends MetricType, const L extends readonly string[]>(
  name: N, type: T, labelNames: L, help: string, buckets?: readonly number[],
) => ({ name, type, labelNames, help, ...(buckets ? { buckets } : {}) });

/** The catalog, keyed by the property name the service uses. */
export const METRIC_SPECS = {
  // --- Truncation ------------------------------------------------------------------------------------
  truncationLength: spec('tbptt_truncation_length', 'gauge', [], 'Truncation length K in force (steps backpropagated per loss, k1 of the window).'),
  truncationEstimate: spec('tbptt_truncation_estimate', 'gauge', [], 'K̂(δ) of the latest diagnostic, before smoothing and clamping to [kMin, kMax].'),
  truncationChanges: spec('tbptt_truncation_changes_total', 'counter', [], 'Times K changed after a diagnostic.'),
  relativeBiasEstimate: spec('tbptt_relative_bias_estimate', 'gauge', [], 'Estimated relative gradient bias δ̂ at the K in force (+Inf when it cannot be bounded).'),
  relativeBiasTarget: spec('tbptt_relative_bias_target', 'gauge', [], 'Tolerated relative gradient bias δ (configuration truncation.delta).'),
  gradientDecayRate: spec('tbptt_gradient_decay_rate', 'gauge', [], 'Estimated geometric decay rate β̂ of the state-gradient norms per lag (< 1 when they decay).'),
  decayEstimateFailures: spec('tbptt_decay_estimate_failures_total', 'counter', ['reason'], 'Diagnostics that could not bound the bias, by reason (beta-ge-1, no-decay-fit, no-lower-bound, delta-not-reached, insufficient-history).'),
  gradientNormByLag: spec('tbptt_gradient_norm_by_lag', 'gauge', ['lag'], 'Batch-mean norm of the loss gradient w.r.t. the state `lag` steps before the last step, from the latest diagnostic (lags 0, 1, 2, 4, … < W).'),
  diagnostics: spec('tbptt_diagnostics_total', 'counter', [], 'Diagnostics run (including those that failed).'),
  diagnosticDuration: spec('tbptt_diagnostic_duration_seconds', 'histogram', [], 'Wall time of one diagnostic (state-gradient pass plus estimate).', DIAGNOSTIC_DURATION_BUCKETS_SECONDS),
  // --- Training ----------------------------------------------------------------------------------------
  windowDuration: spec('tbptt_window_duration_seconds', 'histogram', [], 'Wall time of one training window (forward, backward, update).', WINDOW_DURATION_BUCKETS_SECONDS),
  windows: spec('tbptt_windows_total', 'counter', [], 'Training windows run.'),
  timestepsTrained: spec('tbptt_timesteps_trained_total', 'counter', [], 'New steps trained (k1 per stream per window), summed over streams.'),
  updatesSkipped: spec('tbptt_updates_skipped_total', 'counter', ['reason'], 'Training updates skipped, by reason (non-finite loss or gradient, gradient-too-large).'),
  loss: spec('tbptt_loss', 'gauge', [], 'Exponential moving average of the progressive-validation loss (nats for softmax, MSE for mse).'),
  windowLoss: spec('tbptt_window_loss', 'histogram', [], 'Progressive-validation loss of each window (mean over its new steps; nats or MSE).', LOSS_BUCKETS),
  predictions: spec('tbptt_predictions_total', 'counter', [], 'Predictions written (one per trained step).'),
  activeKeys: spec('tbptt_active_keys', 'gauge', [], 'Sequence keys whose state is held in memory.'),
  engineInfo: spec('tbptt_engine_info', 'gauge', ['engine', 'backend'], 'Compute engine in use (value 1).'),
  // --- Stream ---------------------------------------------------------------------------------------------
  recordsConsumed: spec('tbptt_records_consumed_total', 'counter', ['topic'], 'Records read from the input topics.'),
  consumerLag: spec('tbptt_consumer_lag', 'gauge', ['topic', 'partition'], 'Records between the committed offset and the high watermark, per assigned partition.'),
  bufferedSteps: spec('tbptt_buffered_steps', 'gauge', [], 'Steps decoded and not trained yet (what output.maxBufferedRecords bounds).'),
  pausedPartitions: spec('tbptt_paused_partitions', 'gauge', [], 'Assigned input partitions paused by backpressure: those above their share of the buffer, or all of them while it is full or sends are behind.'),
  deadLetters: spec('tbptt_dead_letters_total', 'counter', ['reason'], 'Records rejected by the decoder and sent to the dead-letter topic, by reason code.'),
  errors: spec('tbptt_errors_total', 'counter', ['component'], 'Errors handled without stopping the pipeline, by component.'),
  // --- Checkpoints and health -------------------------------------------------------------------------
  checkpoints: spec('tbptt_checkpoints_total', 'counter', [], 'Checkpoints written durably.'),
  checkpointFailures: spec('tbptt_checkpoint_failures_total', 'counter', [], 'Checkpoint writes that failed.'),
  checkpointAge: spec('tbptt_checkpoint_age_seconds', 'gauge', [], 'Seconds since the newest durable checkpoint (since start while there is none); exported only when checkpoints are enabled.'),
  rollbacks: spec('tbptt_rollbacks_total', 'counter', [], 'Times the model was rolled back to the newest checkpoint after repeated skipped updates.'),
  checkpointInterval: spec('tbptt_checkpoint_interval_seconds', 'gauge', [], 'Configured checkpoint interval in seconds (checkpoint.everySeconds; 0 = not by time).'),
  ready: spec('tbptt_ready', 'gauge', [], '1 when the service is ready (broker connected, partitions assigned, state restored), else 0.'),
} as const;

/** Property names of the catalog. */
export type MetricKey = keyof typeof METRIC_SPECS;

/** Every spec, as a list. */
export const ALL_METRIC_SPECS: readonly MetricSpec[] = Object.values(METRIC_SPECS);
