import type { TopicPartitionKey } from '../source/kafka/topic-partition';
import type { ServiceStatus } from './stream-service';

/** One progress line: rates since the previous line, loss, K, δ̂ and consumer lag. */
export function formatProgress(s: ServiceStatus, lag: ReadonlyMap<TopicPartitionKey, number>,
  previous: { at: number; records: number; windows: number }, nowMs: number): string {
  const dt = Math.max(1e-3, (nowMs - previous.at) / 1000);
  const totalLag = [...lag.values()].reduce((a, b) => a + b, 0);
  const fmt = (v: number | undefined, d = 3) => (v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(d));
  return [
    `records/s ${((s.recordsConsumed - previous.records) / dt).toFixed(0)}`,
    `windows/s ${((s.windows - previous.windows) / dt).toFixed(1)}`,
    `loss ${fmt(s.lossEma)}`,
    `K ${s.k}`,
    `δ̂ ${fmt(s.relBias)}`,
    `β̂ ${s.logBeta === undefined ? '-' : Math.exp(s.logBeta).toPrecision(3)}`,
    `lag ${totalLag}`,
    `keys ${s.activeKeys}`,
    `dead letters ${s.deadLetters}`,
    ...(s.paused ? [s.pausedPartitions > 0 && s.pausedPartitions < s.assigned.length
      ? `(${s.pausedPartitions} of ${s.assigned.length} partitions paused: backpressure)` : '(paused: backpressure)'] : []),
  ].join(' | ');
}
