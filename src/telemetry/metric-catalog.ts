import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import { gradientLags } from './gradient-lags';
import {
  DEAD_LETTER_REASONS, DECAY_ESTIMATE_FAILURE_REASONS, ERROR_COMPONENTS, METRIC_SPECS, UPDATE_SKIP_REASONS,
  type MetricKey,
} from './metric-specs';

type Spec<K extends MetricKey> = (typeof METRIC_SPECS)[K];
type LabelOf<K extends MetricKey> = Spec<K>['labelNames'][number];
/** The prom-client object of a catalog entry, typed by its kind and label names. */
export type MetricOf<K extends MetricKey> = Spec<K>['type'] extends 'counter'
  ? Counter<LabelOf<K>>
  : Spec<K>['type'] extends 'histogram'
    ? Histogram<LabelOf<K>>
    : Gauge<LabelOf<K>>;

/** Metrics whose value is computed at scrape time (not set by the service). */
type ComputedKey = 'checkpointAge' | 'ready';

/** What the catalog needs to know to bound its label values and compute scrape-time gauges. */
export interface MetricCatalogOptions {
  /** Diagnostic window W: `tbptt_gradient_norm_by_lag` exports lags 0, 1, 2, 4, … < W. */
  readonly diagnosticWindow: number;
  /** Input topics (`topic` label of the records counter is pre-registered for each). */
  readonly inputTopics: readonly string[];
  /** Whether checkpoints are written; when false `tbptt_checkpoint_age_seconds` is not exported. */
  readonly checkpointsEnabled: boolean;
  /** Configured checkpoint interval in seconds (0 = not by time); exported for the staleness alert. */
  readonly checkpointIntervalSeconds: number;
  /** Relative bias target δ (exported as a constant gauge). */
  readonly relativeBiasTarget: number;
  /** Readiness at scrape time (`tbptt_ready`); default: not ready. */
  readonly isReady?: () => boolean;
  /** Wall clock in milliseconds (default Date.now); the checkpoint age is measured with it. */
  readonly now?: () => number;
  /** Register prom-client's default process metrics (default true). */
  readonly defaultMetrics?: boolean;
}

/**
 * The service's metrics on one injected registry: every entry of METRIC_SPECS as a typed prom-client object
 * (e.g. `metrics.truncationLength.set(k)`, `metrics.deadLetters.inc({ reason })`), plus helpers for the
 * values that need bookkeeping. Label values are bounded: reasons and components are fixed lists (all
 * pre-registered at 0, so rates exist before the first event), lags a fixed set below W, topics and
 * partitions those of the configuration and the assignment.
 */
export type MetricCatalog = { readonly [K in Exclude<MetricKey, ComputedKey>]: MetricOf<K> } & {
  readonly registry: Registry;
  /** The lags exported by `gradientNormByLag`. */
  readonly lags: readonly number[];
  /** Sets `tbptt_gradient_norm_by_lag` from a diagnostic's batch-mean norm per code lag (index j = lag j). */
  setGradientNorms(meanLagNorms: ArrayLike<number>): void;
  /** Records a durable checkpoint now (resets `tbptt_checkpoint_age_seconds`, counts `tbptt_checkpoints_total`). */
  checkpointWritten(): void;
  /** Sets `tbptt_engine_info{engine,backend}` to 1 (and removes a previous engine's series). */
  setEngine(engine: string, backend: string): void;
};

/** Creates every metric of the catalog on `registry` (which must not hold them already). */
export function createMetricCatalog(registry: Registry, options: MetricCatalogOptions): MetricCatalog {
  const now = options.now ?? Date.now;
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry });
  const lags = gradientLags(options.diagnosticWindow);

  const made: Record<string, Counter | Gauge | Histogram> = {};
  let lastCheckpointMs = now();
  const collectors: Partial<Record<MetricKey, (this: Gauge) => void>> = {
    checkpointAge() { this.set((now() - lastCheckpointMs) / 1000); },
    ready() { this.set(options.isReady?.() ? 1 : 0); },
  };
  for (const [key, spec] of Object.entries(METRIC_SPECS) as [MetricKey, (typeof METRIC_SPECS)[MetricKey]][]) {
    if (key === 'checkpointAge' && !options.checkpointsEnabled) continue;
    const base = { name: spec.name, help: spec.help, labelNames: spec.labelNames as readonly string[], registers: [registry] };
    if (spec.type === 'counter') made[key] = new Counter(base);
    else if (spec.type === 'histogram') made[key] = new Histogram({ ...base, buckets: [...(spec as { buckets: readonly number[] }).buckets] });
    else {
      const collect = collectors[key];
      made[key] = new Gauge(collect ? { ...base, collect } : base);
    }
  }
  const m = made as unknown as { [K in MetricKey]: MetricOf<K> };

  // Pre-register bounded label values at 0 so that dashboards and alerts see series before the first event.
  for (const reason of DECAY_ESTIMATE_FAILURE_REASONS) m.decayEstimateFailures.inc({ reason }, 0);
  for (const reason of UPDATE_SKIP_REASONS) m.updatesSkipped.inc({ reason }, 0);
  for (const reason of DEAD_LETTER_REASONS) m.deadLetters.inc({ reason }, 0);
  for (const component of ERROR_COMPONENTS) m.errors.inc({ component }, 0);
  for (const topic of options.inputTopics) m.recordsConsumed.inc({ topic }, 0);
  m.relativeBiasTarget.set(options.relativeBiasTarget);
  m.checkpointInterval.set(options.checkpointIntervalSeconds);

  let engineLabels: { engine: string; backend: string } | undefined;
  return {
    ...(m as Omit<typeof m, ComputedKey>),
    registry,
    lags,
    setGradientNorms(meanLagNorms) {
      for (const lag of lags) {
        if (lag < meanLagNorms.length) m.gradientNormByLag.set({ lag: String(lag) }, meanLagNorms[lag]);
      }
    },
    checkpointWritten() {
      lastCheckpointMs = now();
      m.checkpoints.inc();
    },
    setEngine(engine, backend) {
      if (engineLabels) m.engineInfo.remove(engineLabels);
      engineLabels = { engine, backend };
      m.engineInfo.set(engineLabels, 1);
    },
  };
}
