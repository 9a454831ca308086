import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { RawMessage } from '../../domain/raw-message';
import { parseTpKey, tpKey, type TopicPartitionKey } from './topic-partition';

export interface KafkaRecordSourceOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly topics: readonly string[];
  readonly fromBeginning: boolean;
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Longest wait of a fetch, and of the consumer's idle loop while every assigned partition is paused: the
   * most time between resume() and the next fetch. Default {@link DEFAULT_MAX_WAIT_MS}. */
  readonly maxWaitTimeMs?: number;
}

/**
 * Default fetch wait in ms. kafkajs sleeps a whole maxWaitTime (its default: 5000 ms) whenever every assigned
 * partition is paused, and resume() does not wake it: with backpressure pausing after most fetches (e.g. a
 * burst of dead letters), the input then idled ~5 s per fetch (~500 messages/s). 250 ms bounds that delay;
 * the cost is a few empty fetch requests per second on a quiet topic.
 */
export const DEFAULT_MAX_WAIT_MS = 250;

/** Messages handed to the service at a time (see eachBatch). */
const HANDOVER_SLICE = 256;

/**
 * Partitions whose fetched batches are handed over side by side, slice by slice (kafkajs keeps each
 * partition's batches in order). One at a time, the keys of the partition handed over last in a fetch ran
 * out of steps while the other partitions' batches were handed over, and windows of B keys could not fill:
 * `npm run bench:pipeline --scale 20`, 1x128 B=16, trained 81 % of the wall time one at a time, 92 % side by side.
 */
const PARTITIONS_SIDE_BY_SIDE = 16;

/** Callbacks into the service; the source calls them, in order, from kafkajs's consumer loop. */
export interface RecordSourceHandlers {
  /** A fetched batch of one partition, in offset order. Must not throw; per-record failures are values. */
  onMessages(messages: RawMessage[]): void;
  /** The group assigned this member a new set of partitions (the previous set is in `revoked`). */
  onAssignment(assigned: TopicPartitionKey[], revoked: TopicPartitionKey[]): Promise<void> | void;
  /** The consumer crashed for good: an error that a new consumer would meet again (see {@link isTransientKafkaError}). */
  onCrash(error: Error): void;
  /** kafkajs gave up on a broker-side error; a new consumer starts in `waitMs` (reported, not fatal). */
  onRestart?(error: Error, waitMs: number): void;
}

/** Names of kafkajs errors that a broker outage or restart causes and a later attempt can get past. */
const TRANSIENT_ERRORS = new Set([
  'KafkaJSGroupCoordinatorNotFound', 'KafkaJSConnectionError', 'KafkaJSConnectionClosedError', 'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound', 'KafkaJSNoBrokerAvailableError', 'KafkaJSNumberOfRetriesExceeded', 'KafkaJSTimeout',
  'KafkaJSLockTimeout', 'KafkaJSMetadataNotLoaded', 'KafkaJSTopicMetadataNotLoaded', 'KafkaJSStaleTopicMetadataAssignment',
]);

/**
 * True for errors that go away when the broker comes back. kafkajs restarts its consumer only after errors it
 * marks retriable; others end it for good, among them "Failed to find group coordinator", which a broker that
 * has just restarted answers while it loads its group metadata. A protocol error the broker marks final
 * (authorization, an unknown topic with auto-creation off, ...) is not transient.
 */
export function isTransientKafkaError(error: unknown): boolean {
  for (let e = error as { name?: string; retriable?: boolean; cause?: unknown } | undefined, depth = 0; e && depth < 10; e = e.cause as typeof e, depth++) {
    if (e.retriable === true || (e.name !== undefined && TRANSIENT_ERRORS.has(e.name))) return true;
  }
  return false;
}

/** Waits between attempts to start a new consumer after kafkajs gave up: 1 s, 2 s, 4 s ... at most 30 s. */
const RESTART_MIN_MS = 1000;
const RESTART_MAX_MS = 30_000;

/**
 * The consumer edge: a kafkajs consumer in a consumer group. Offsets are never auto-committed: the
 * service commits what its state covers ({@link commit}). Backpressure pauses and resumes partitions.
 * Heartbeats keep flowing while training runs, because batches are handed over synchronously and
 * training happens outside `eachBatch`.
 */
export class KafkaRecordSource {
  private consumer: Consumer | undefined;
  private assigned = new Set<TopicPartitionKey>();
  private pausedAll = false;
  /** Partitions paused one by one (backpressure on the partitions whose keys hold the backlog). */
  private readonly pausedParts = new Set<TopicPartitionKey>();
  /** The current consumer has joined its group (before that kafkajs refuses pause and resume; joining applies them). */
  private joined = false;
  private socketUp = false;
  private lastContactMs = 0;
  private handlers: RecordSourceHandlers | undefined;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartWaitMs = RESTART_MIN_MS;
  /** New consumers started after kafkajs gave up on a transient error. */
  restarts = 0;

  /**
   * Connected, and the broker answered recently: a fetch or heartbeat within max(3 s, 3 heartbeat intervals).
   * During an outage kafkajs keeps retrying without an event, so silence is what shows it.
   */
  get connected(): boolean {
    return this.socketUp && Date.now() - this.lastContactMs < Math.max(3000, 3 * this.options.heartbeatIntervalMs);
  }

  constructor(private readonly options: KafkaRecordSourceOptions) {}

  /** Partitions currently assigned to this member. */
  get assignment(): TopicPartitionKey[] {
    return [...this.assigned];
  }

  async start(handlers: RecordSourceHandlers): Promise<void> {
    this.handlers = handlers;
    await this.launch(handlers);
  }

  /** Creates, connects and runs a consumer; called at start and after kafkajs gave up on a transient error. */
  private async launch(handlers: RecordSourceHandlers): Promise<void> {
    const o = this.options;
    const consumer = o.kafka.consumer({
      groupId: o.groupId,
      sessionTimeout: o.sessionTimeoutMs,
      heartbeatInterval: o.heartbeatIntervalMs,
      maxWaitTimeInMs: o.maxWaitTimeMs ?? DEFAULT_MAX_WAIT_MS,
      // Bounded fetches: what arrives after a pause is at most one fetch (with backpressure, memory stays bounded).
      maxBytesPerPartition: 256 * 1024,
      maxBytes: 1024 * 1024,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    this.consumer = consumer;
    this.joined = false;
    const contact = () => { this.socketUp = true; this.lastContactMs = Date.now(); };
    consumer.on(consumer.events.CONNECT, contact);
    consumer.on(consumer.events.FETCH, contact);
    consumer.on(consumer.events.HEARTBEAT, contact);
    consumer.on(consumer.events.DISCONNECT, () => { this.socketUp = false; });
    // Broker lost mid-run: kafkajs restarts the consumer (CRASH with restart) until it reaches the broker again.
    consumer.on(consumer.events.CRASH, () => { this.lastContactMs = 0; });
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      contact();
      const now = new Set<TopicPartitionKey>();
      for (const [topic, partitions] of Object.entries(e.payload.memberAssignment)) {
        for (const p of partitions) now.add(tpKey(topic, p));
      }
      const revoked = [...this.assigned].filter((k) => !now.has(k));
      const added = [...now].filter((k) => !this.assigned.has(k));
      this.assigned = now;
      this.joined = true;
      for (const tp of revoked) this.pausedParts.delete(tp);
      this.applyPause();
      void Promise.resolve(handlers.onAssignment(added, revoked)).catch((err) => handlers.onCrash(err as Error));
    });
    consumer.on(consumer.events.CRASH, (e) => {
      if (e.payload.restart || this.stopped || this.consumer !== consumer) return;
      if (isTransientKafkaError(e.payload.error)) this.scheduleRestart(e.payload.error);
      else handlers.onCrash(e.payload.error);
    });
    await consumer.connect();
    if (this.stopped) { await consumer.disconnect(); return; } // stop() came during a restart's connect
    contact();
    this.restartWaitMs = RESTART_MIN_MS;
    await consumer.subscribe({ topics: [...o.topics], fromBeginning: o.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: PARTITIONS_SIDE_BY_SIDE,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        // Handed over in slices with a turn of the event loop between them: training runs inside onMessages,
        // and the producer needs the loop to send earlier predictions meanwhile (otherwise a whole fetch
        // trains first and its predictions all queue up behind it).
        for (let i = 0; i < batch.messages.length; i += HANDOVER_SLICE) {
          // A seek since the fetch (e.g. to a restored checkpoint's offset) makes the rest of the batch stale:
          // the consumer fetches again from the new position.
          // Paused meanwhile (backpressure): the rest is fetched again once the partition resumes (offsets
          // are resolved only for what was handed over), so that a paused partition adds at most one slice.
          if (payload.isStale() || !payload.isRunning() || this.isHeld(tpKey(batch.topic, batch.partition))) break;
          const slice = batch.messages.slice(i, i + HANDOVER_SLICE);
          handlers.onMessages(slice.map((m) => ({
            topic: batch.topic, partition: batch.partition, offset: m.offset,
            key: m.key, value: m.value, timestamp: m.timestamp,
          })));
          payload.resolveOffset(slice[slice.length - 1].offset);
          await payload.heartbeat();
          if (i + HANDOVER_SLICE < batch.messages.length) await new Promise((r) => setImmediate(r));
        }
      },
    });
  }

  /** kafkajs ended its consumer on a transient error: start a new one (same group, same handlers) after a wait. */
  private scheduleRestart(error: Error): void {
    const handlers = this.handlers;
    if (this.stopped || !handlers || this.restartTimer) return;
    this.socketUp = false;
    const waitMs = this.restartWaitMs;
    this.restartWaitMs = Math.min(RESTART_MAX_MS, waitMs * 2);
    handlers.onRestart?.(error, waitMs);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopped) return;
      const old = this.consumer;
      this.restarts++;
      void (async () => {
        // kafkajs has disconnected the old consumer before reporting the crash; this only makes sure.
        await old?.disconnect().catch(() => undefined);
        if (this.stopped) return;
        await this.launch(handlers);
      })().catch((e) => {
        if (this.stopped) return;
        if (isTransientKafkaError(e)) this.scheduleRestart(e as Error);
        else handlers.onCrash(e as Error);
      });
    }, waitMs);
  }

  /** Seeks a partition to `offset` (the next offset to consume), e.g. to a checkpoint's position. */
  seek(key: TopicPartitionKey, offset: string): void {
    const { topic, partition } = parseTpKey(key);
    this.consumer?.seek({ topic, partition, offset });
  }

  /** Commits the next offsets to consume, per partition. */
  async commit(offsets: ReadonlyMap<TopicPartitionKey, string>): Promise<void> {
    if (!this.consumer || offsets.size === 0) return;
    await this.consumer.commitOffsets([...offsets].map(([k, offset]) => ({ ...parseTpKey(k), offset })));
  }

  /** Pauses every assigned partition (backpressure). */
  pause(): void {
    this.pausedAll = true;
    this.applyPause();
  }

  /** Resumes the partitions paused by {@link pause}; those paused one by one stay paused. */
  resume(): void {
    this.pausedAll = false;
    this.applyPause();
  }

  /** Whether every partition is paused by {@link pause}. */
  get paused(): boolean {
    return this.pausedAll;
  }

  isPartitionPaused(tp: TopicPartitionKey): boolean {
    return this.pausedParts.has(tp);
  }

  /** Pauses the given assigned partitions, whatever {@link pause} and {@link resume} do meanwhile. */
  pausePartitions(tps: readonly TopicPartitionKey[]): void {
    for (const tp of tps) if (this.assigned.has(tp)) this.pausedParts.add(tp);
    this.applyPause();
  }

  resumePartitions(tps: readonly TopicPartitionKey[]): void {
    for (const tp of tps) this.pausedParts.delete(tp);
    this.applyPause();
  }

  /** No record of this partition is handed over now. */
  private isHeld(tp: TopicPartitionKey): boolean {
    return this.pausedAll || this.pausedParts.has(tp);
  }

  /**
   * Makes kafkajs's pause state what {@link pause} and {@link pausePartitions} say. kafkajs clears a whole-topic
   * pause when single partitions are paused, so the state is always set from scratch (synchronously: no
   * fetch sees it half done).
   */
  private applyPause(): void {
    const consumer = this.consumer;
    if (!consumer || !this.joined) return;
    const topics = this.options.topics.map((topic) => ({ topic }));
    if (this.pausedAll) {
      consumer.pause(topics);
      return;
    }
    consumer.resume(topics);
    if (this.pausedParts.size === 0) return;
    const byTopic = new Map<string, number[]>();
    for (const tp of this.pausedParts) {
      const { topic, partition } = parseTpKey(tp);
      byTopic.set(topic, [...(byTopic.get(topic) ?? []), partition]);
    }
    consumer.pause([...byTopic].map(([topic, partitions]) => ({ topic, partitions })));
  }

  /** Per assigned partition: the high watermark (next offset the broker will write). */
  async highWatermarks(): Promise<Map<TopicPartitionKey, string>> {
    const out = new Map<TopicPartitionKey, string>();
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      for (const topic of this.options.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) out.set(tpKey(topic, p.partition), p.high);
      }
    } finally {
      await admin.disconnect();
    }
    return out;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const c = this.consumer;
    this.consumer = undefined;
    if (c) await c.disconnect();
    this.socketUp = false;
  }
}
