import type { StepSource } from '../domain/sequence-step';
import { tpKey, type TopicPartitionKey } from '../source/kafka/topic-partition';

/**
 * Which offsets of each partition are fully handled, so that commits never skip unfinished work.
 * A message is open from when it is consumed until everything it produced is done: each training step
 * it completed has been trained and its prediction published, or its dead letter acknowledged.
 * The committable offset of a partition is the first open offset, or the last consumed + 1.
 */
export class OffsetTracker {
  /** Per partition: open offsets (ascending insertion order) → outstanding work items. */
  private readonly open = new Map<TopicPartitionKey, Map<string, number>>();
  private readonly nextOffset = new Map<TopicPartitionKey, string>();

  /** Registers a consumed message with `work` outstanding items (0 = done at once). Offsets must ascend per partition. */
  consumed(source: StepSource, work: number): void {
    const key = tpKey(source.topic, source.partition);
    if (work > 0) {
      let m = this.open.get(key);
      if (!m) this.open.set(key, (m = new Map()));
      m.set(source.offset, (m.get(source.offset) ?? 0) + work);
    }
    this.nextOffset.set(key, (BigInt(source.offset) + 1n).toString());
  }

  /** Adds outstanding work to an already consumed, still open message. */
  addWork(source: StepSource, work: number): void {
    const m = this.open.get(tpKey(source.topic, source.partition));
    if (!m || !m.has(source.offset)) throw new Error(`offset ${source.offset} of ${source.topic}:${source.partition} is not open`);
    m.set(source.offset, m.get(source.offset)! + work);
  }

  /**
   * False for a message at or before one already consumed on its partition: the consumer re-delivers
   * from the last committed offset after a rebalance, and those messages are already in hand.
   */
  isNew(source: StepSource): boolean {
    const next = this.nextOffset.get(tpKey(source.topic, source.partition));
    return next === undefined || BigInt(source.offset) >= BigInt(next);
  }

  /** One work item of a message is done. */
  done(source: StepSource): void {
    const m = this.open.get(tpKey(source.topic, source.partition));
    const left = m?.get(source.offset);
    if (m === undefined || left === undefined) return; // forgotten (revoked partition)
    if (left <= 1) m.delete(source.offset);
    else m.set(source.offset, left - 1);
  }

  /** The offset to commit per partition: the first open offset, or the last consumed + 1. */
  committable(): Map<TopicPartitionKey, string> {
    const out = new Map<TopicPartitionKey, string>();
    for (const [key, next] of this.nextOffset) {
      const first = this.open.get(key)?.keys().next();
      out.set(key, first && !first.done ? first.value : next);
    }
    return out;
  }

  /** Next offset to consume per partition (what a checkpoint covering all consumed messages records). */
  consumedUpTo(): Map<TopicPartitionKey, string> {
    return new Map(this.nextOffset);
  }

  /**
   * Starts a partition at a checkpoint's position: everything before `nextOffset` is in the restored state,
   * so re-delivered records before it are not new.
   */
  restore(key: TopicPartitionKey, nextOffset: string): void {
    this.open.delete(key);
    this.nextOffset.set(key, nextOffset);
  }

  /** Open messages across partitions. */
  get openMessages(): number {
    let n = 0;
    for (const m of this.open.values()) n += m.size;
    return n;
  }

  /** Drops a partition (revoked): its open work no longer blocks anything here. */
  forget(key: TopicPartitionKey): void {
    this.open.delete(key);
    this.nextOffset.delete(key);
  }
}
