import type { StepSource } from '../domain/sequence-step';
import { tpKey, type TopicPartitionKey } from '../source/kafka/topic-partition';

/**
 * Which offsets of each partition are fully handled, so that commits never skip unfinished work.
 * A message is open from when it is consumed until everything it produced is done: each training step
 * it completed has been trained and its prediction published, or its dead letter acknowledged.
 * The committable offset of a partition is the first open offset, or the last consumed + 1.
 */
export class OffsetTracker {
  /**
   * Per partition: open offsets (ascending insertion order) → outstanding work items, and the position:
   * the last consumed offset, or (after a restore, before any message) the next offset to consume.
   * The position is kept as Kafka's decimal string and compared as one ({@link compareOffsets}); the
   * next offset is only computed when asked for, not per message.
   */
  private readonly partitions = new Map<TopicPartitionKey, PartitionOffsets>();

  /** Registers a consumed message with `work` outstanding items (0 = done at once). Offsets must ascend per partition. */
  consumed(source: StepSource, work: number): void {
    const key = tpKey(source.topic, source.partition);
    let p = this.partitions.get(key);
    if (!p) this.partitions.set(key, (p = { open: new Map(), last: undefined, next: undefined }));
    if (work > 0) p.open.set(source.offset, (p.open.get(source.offset) ?? 0) + work);
    p.last = source.offset;
    p.next = undefined;
  }

  /** Adds outstanding work to an already consumed, still open message. */
  addWork(source: StepSource, work: number): void {
    const m = this.partitions.get(tpKey(source.topic, source.partition))?.open;
    if (!m || !m.has(source.offset)) throw new Error(`offset ${source.offset} of ${source.topic}:${source.partition} is not open`);
    m.set(source.offset, m.get(source.offset)! + work);
  }

  /**
   * False for a message at or before one already consumed on its partition: the consumer re-delivers
   * from the last committed offset after a rebalance, and those messages are already in hand.
   */
  isNew(source: StepSource): boolean {
    const p = this.partitions.get(tpKey(source.topic, source.partition));
    if (p?.last !== undefined) return compareOffsets(source.offset, p.last) > 0;
    return p?.next === undefined || compareOffsets(source.offset, p.next) >= 0;
  }

  /** One work item of a message is done. */
  done(source: StepSource): void {
    const m = this.partitions.get(tpKey(source.topic, source.partition))?.open;
    const left = m?.get(source.offset);
    if (m === undefined || left === undefined) return; // forgotten (revoked partition)
    if (left <= 1) m.delete(source.offset);
    else m.set(source.offset, left - 1);
  }

  /** The offset to commit per partition: the first open offset, or the last consumed + 1. */
  committable(): Map<TopicPartitionKey, string> {
    const out = new Map<TopicPartitionKey, string>();
    for (const [key, p] of this.partitions) {
      const first = p.open.keys().next();
      out.set(key, first.done ? nextOffset(p) : first.value);
    }
    return out;
  }

  /** Next offset to consume per partition (what a checkpoint covering all consumed messages records). */
  consumedUpTo(): Map<TopicPartitionKey, string> {
    const out = new Map<TopicPartitionKey, string>();
    for (const [key, p] of this.partitions) out.set(key, nextOffset(p));
    return out;
  }

  /**
   * Starts a partition at a checkpoint's position: everything before `nextOffset` is in the restored state,
   * so re-delivered records before it are not new.
   */
  restore(key: TopicPartitionKey, nextOffset: string): void {
    this.partitions.set(key, { open: new Map(), last: undefined, next: nextOffset });
  }

  /** Open messages across partitions. */
  get openMessages(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.open.size;
    return n;
  }

  /** Drops a partition (revoked): its open work no longer blocks anything here. */
  forget(key: TopicPartitionKey): void {
    this.partitions.delete(key);
  }
}

/** One partition's open messages and position (see OffsetTracker.partitions). */
interface PartitionOffsets {
  readonly open: Map<string, number>;
  last: string | undefined;
  next: string | undefined;
}

/** The next offset to consume: the last consumed + 1, or the restored position. */
function nextOffset(p: PartitionOffsets): string {
  if (p.last !== undefined) return (BigInt(p.last) + 1n).toString();
  return p.next as string;
}

/**
 * Compares two Kafka offsets given as decimal strings without sign or leading zeros (as kafkajs gives them):
 * a longer string is the larger number, equal lengths compare as text. Negative, zero or positive.
 */
export function compareOffsets(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}
