import type { DecodedRecord } from '../domain/decoded-record';
import type { SequenceStep } from '../domain/sequence-step';
import type { TargetMode } from './decoder-spec';

/**
 * Plain-JSON state of a {@link NextStepPairer}, for checkpoints: the last x of every key still waiting
 * for its successor, in first-seen order (a token id as a number, a dense vector as number[]).
 */
export interface PairerSnapshot {
  readonly target: TargetMode;
  readonly pending: ReadonlyArray<readonly [key: string, x: number | readonly number[]]>;
}

/**
 * Turns decoded records of each key, in order, into training steps.
 *
 * - Next-step targets: the first record of a key only becomes pending; every later record completes the
 *   step {x: previous x, y: this x, source: this record's source} and becomes pending itself. For tokens
 *   y is the token id as a class id; for dense inputs it is the vector itself (shared, not copied: the
 *   arrays are treated as immutable everywhere).
 * - Explicit targets: each record is a step {x, y, source} as it stands; nothing is pending.
 *
 * The pending x's are part of the per-key state: a checkpoint must hold {@link snapshot} together with
 * the offsets it covers, since the records they came from may already be committed.
 */
export class NextStepPairer {
  private readonly last = new Map<string, Float32Array | number>();

  constructor(readonly target: TargetMode) {}

  /**
   * The step a record completes, or undefined when it only becomes pending (a key's first record).
   * @throws TypeError for a record without y under explicit targets (the decoder never produces one).
   */
  push(record: DecodedRecord): SequenceStep | undefined {
    if (this.target === 'explicit') {
      if (record.y === undefined) throw new TypeError(`NextStepPairer (explicit targets): record of key ${JSON.stringify(record.key)} has no y`);
      return { key: record.key, x: record.x, y: record.y, source: record.source };
    }
    const previous = this.last.get(record.key);
    this.last.set(record.key, record.x);
    if (previous === undefined) return undefined;
    return { key: record.key, x: previous, y: record.x, source: record.source };
  }

  /** {@link push} for several records in order; returns the completed steps in order. */
  pushAll(records: readonly DecodedRecord[]): SequenceStep[] {
    const steps: SequenceStep[] = [];
    for (const r of records) {
      const s = this.push(r);
      if (s !== undefined) steps.push(s);
    }
    return steps;
  }

  /** The pending x of a key (its last record's x), if any. */
  pending(key: string): Float32Array | number | undefined {
    return this.last.get(key);
  }

  /** Sets a key's pending x, e.g. when an evicted key's persisted state is restored. */
  setPending(key: string, x: Float32Array | number): void {
    if (this.target === 'explicit') throw new TypeError('NextStepPairer: explicit targets keep no pending state');
    this.last.set(key, x);
  }

  /** Drops a key's pending x (revoked partition, evicted key) and returns it, so that it can be persisted. */
  forget(key: string): Float32Array | number | undefined {
    const x = this.last.get(key);
    this.last.delete(key);
    return x;
  }

  /** Number of keys with a pending x. */
  get size(): number {
    return this.last.size;
  }

  /** A plain-JSON copy of the pending state. */
  snapshot(): PairerSnapshot {
    return {
      target: this.target,
      pending: [...this.last].map(([key, x]) => [key, typeof x === 'number' ? x : Array.from(x)] as const),
    };
  }

  /**
   * Replaces the pending state with a snapshot's.
   * @throws RangeError when the snapshot is malformed or was taken with another target mode (the state is
   * then left unchanged).
   */
  restore(snapshot: PairerSnapshot): void {
    if (snapshot === null || typeof snapshot !== 'object' || snapshot.target !== this.target) {
      throw new RangeError(`NextStepPairer.restore: snapshot target ${JSON.stringify(snapshot?.target)} does not match ${this.target}`);
    }
    if (!Array.isArray(snapshot.pending)) throw new RangeError('NextStepPairer.restore: pending must be an array of [key, x]');
    const next = new Map<string, Float32Array | number>();
    for (const entry of snapshot.pending) {
      if (!Array.isArray(entry) || entry.length !== 2 || typeof entry[0] !== 'string') {
        throw new RangeError('NextStepPairer.restore: each pending entry must be [key: string, x]');
      }
      const [key, x] = entry as [string, unknown];
      if (typeof x === 'number' && Number.isFinite(x)) next.set(key, x);
      else if (Array.isArray(x) && x.length > 0 && x.every((v) => typeof v === 'number' && Number.isFinite(v))) next.set(key, Float32Array.from(x as number[]));
      else throw new RangeError(`NextStepPairer.restore: pending x of key ${JSON.stringify(key)} is neither a finite number nor an array of finite numbers`);
    }
    if (this.target === 'explicit' && next.size > 0) throw new RangeError('NextStepPairer.restore: explicit targets keep no pending state');
    this.last.clear();
    for (const [k, v] of next) this.last.set(k, v);
  }
}
