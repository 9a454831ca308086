import type { ServiceConfig } from '../config/config-schema';
import type { MetricCatalog } from '../telemetry/metric-catalog';
import { recordDiagnostic, recordInsufficientHistory, recordWindow } from '../telemetry/record-learner-reports';
import type { TopicPartitionKey } from '../source/kafka/topic-partition';
import { parseTpKey } from '../source/kafka/topic-partition';
import type { ServiceEvents } from './service-events';
import type { StreamService } from './stream-service';

/** Service events → metrics (every metric is declared once, in the telemetry catalog). */
export function metricsEvents(metrics: MetricCatalog, service: () => StreamService | undefined): ServiceEvents {
  return {
    window: (report) => {
      recordWindow(metrics, report, report.durationSeconds);
      const s = service()?.status;
      if (s?.lossEma !== undefined) metrics.loss.set(s.lossEma);
      if (s) metrics.activeKeys.set(s.activeKeys);
    },
    diagnostic: (report) => recordDiagnostic(metrics, report),
    insufficientHistory: () => recordInsufficientHistory(metrics),
    nonFiniteNorms: () => recordInsufficientHistory(metrics, 'non-finite-norms'),
    consumed: (topic) => metrics.recordsConsumed.inc({ topic }),
    published: (count) => metrics.predictions.inc(count),
    deadLetter: (reason) => metrics.deadLetters.inc({ reason }),
    error: (component) => metrics.errors.inc({ component }),
    checkpointed: () => metrics.checkpointWritten(),
    checkpointFailed: () => metrics.checkpointFailures.inc(),
    rolledBack: () => metrics.rollbacks.inc(),
    backpressure: (buffered, paused) => {
      metrics.bufferedSteps.set(buffered);
      metrics.pausedPartitions.set(paused);
    },
  };
}

/** Sets the consumer-lag gauge for the assigned partitions and removes the series of partitions no longer assigned. */
export function recordLag(metrics: MetricCatalog, lag: ReadonlyMap<TopicPartitionKey, number>, previous: Set<TopicPartitionKey>): Set<TopicPartitionKey> {
  for (const [tp, n] of lag) {
    const { topic, partition } = parseTpKey(tp);
    metrics.consumerLag.set({ topic, partition: String(partition) }, n);
  }
  for (const tp of previous) {
    if (lag.has(tp)) continue;
    const { topic, partition } = parseTpKey(tp);
    metrics.consumerLag.remove({ topic, partition: String(partition) });
  }
  return new Set(lag.keys());
}

/** Combines several observers into one. */
export function combineEvents(...all: ServiceEvents[]): ServiceEvents {
  const keys = new Set(all.flatMap((e) => Object.keys(e))) as Set<keyof ServiceEvents>;
  const out: Record<string, (...args: unknown[]) => void> = {};
  for (const k of keys) {
    out[k] = (...args: unknown[]) => {
      for (const e of all) (e[k] as ((...a: unknown[]) => void) | undefined)?.(...args);
    };
  }
  return out as ServiceEvents;
}

/** The catalog options implied by the configuration. */
export function metricCatalogOptions(config: ServiceConfig, isReady: () => boolean) {
  return {
    diagnosticWindow: config.truncation.window,
    inputTopics: config.kafka.inputTopics,
    checkpointsEnabled: config.checkpoint.dir !== '',
    checkpointIntervalSeconds: config.checkpoint.everySeconds,
    relativeBiasTarget: config.truncation.delta,
    isReady,
  };
}
