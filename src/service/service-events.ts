import type { WindowReport } from '../learner/online/online-learner';
import type { DiagnosticReport } from '../learner/online/truncation-controller';
import type { TopicPartitionKey } from '../source/kafka/topic-partition';

/** Optional observers of a running service (logging, metrics, progress, tests). */
export interface ServiceEvents {
  log?(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>): void;
  window?(report: WindowReport): void;
  /** A record was read from `topic`. */
  consumed?(topic: string): void;
  /** The broker acknowledged `count` predictions. */
  published?(count: number): void;
  /** A diagnostic was due but no key had W steps of history. */
  insufficientHistory?(): void;
  /** A diagnostic ran but its gradient norms were not finite (no estimate, K unchanged). */
  nonFiniteNorms?(): void;
  /** A failure handled without stopping the pipeline. */
  error?(component: 'source' | 'predictions' | 'dead-letters' | 'checkpoint' | 'learner' | 'diagnostic' | 'decoder', error: Error): void;
  diagnostic?(report: DiagnosticReport): void;
  deadLetter?(reason: string): void;
  committed?(offsets: ReadonlyMap<TopicPartitionKey, string>): void;
  fatal?(error: Error): void;
  /** A checkpoint became durable. */
  checkpointed?(info: { dir: string; reason: string; bytes: number; seconds: number }): void;
  /** The model was rolled back to a checkpoint after repeated skipped updates. */
  rolledBack?(dir: string): void;
  /** Backpressure was checked: how many steps wait to be trained, and how many assigned partitions are paused. */
  backpressure?(bufferedSteps: number, pausedPartitions: number): void;
  /** A checkpoint could not be written (training goes on). */
  checkpointFailed?(error: Error): void;
}
