import type { StepSource, SequenceStep } from '../../domain/sequence-step';
import type { ModelSpec } from '../model/model-spec';
import { stateSize } from '../model/model-spec';

/** The detached recurrent state of one stream entering step `pos`: [h of layers 0..L−1, c of layers 0..L−1]. */
export interface StateSnapshot {
  readonly pos: number;
  readonly state: Float32Array;
}

/**
 * One key's retained history: a ring of its last `capacity` steps (inputs, targets, sources), how far it
 * has been trained, and detached state snapshots at some positions inside the ring, from which the state
 * entering any retained position can be recomputed by a forward pass (method.md section 5, decision 8).
 * Positions are absolute step counts since the key's first step.
 */
export class KeyHistory {
  /** Steps appended so far (the position the next step will take). */
  total = 0;
  /** First position not yet trained on. */
  trained = 0;
  /** Snapshots sorted by position; position 0 (the zero state) is the first one. */
  snapshots: StateSnapshot[];
  private readonly xs: Float32Array | Int32Array;
  private readonly ys: Float32Array | Int32Array;
  private readonly sources: Array<StepSource | undefined>;
  private readonly xWidth: number;
  private readonly yWidth: number;

  constructor(
    readonly key: string,
    spec: ModelSpec,
    /** Steps retained (ring size). */
    readonly capacity: number,
  ) {
    this.xWidth = spec.inputKind === 'dense' ? spec.inputSize : 1;
    this.yWidth = spec.head === 'mse' ? spec.outputSize : 1;
    this.xs = spec.inputKind === 'dense' ? new Float32Array(capacity * this.xWidth) : new Int32Array(capacity);
    this.ys = spec.head === 'mse' ? new Float32Array(capacity * this.yWidth) : new Int32Array(capacity);
    this.sources = new Array(capacity);
    this.snapshots = [{ pos: 0, state: new Float32Array(stateSize(spec)) }];
  }

  /** Steps appended but not trained yet. */
  get pending(): number {
    return this.total - this.trained;
  }

  /** Oldest position still retained. */
  get oldest(): number {
    return Math.max(0, this.total - this.capacity);
  }

  /** Steps waiting to be trained: untrained steps in the ring plus those queued behind it. */
  get waiting(): number {
    return this.pending + this.inbox.length;
  }

  /**
   * Appends one validated step. While the ring holds `context` steps of window context plus its untrained
   * steps up to capacity, later steps queue behind it (in order) until training makes room.
   */
  append(step: SequenceStep, context = 0): void {
    if (this.inbox.length > 0 || this.pending + context >= this.capacity) this.inbox.push(step);
    else this.appendToRing(step);
  }

  /** Moves queued steps into the ring while it has room next to `context` steps of window context. */
  drainInbox(context: number): void {
    let i = 0;
    while (i < this.inbox.length && this.pending + context < this.capacity) this.appendToRing(this.inbox[i++]);
    if (i > 0) this.inbox.splice(0, i);
  }

  private readonly inbox: SequenceStep[] = [];

  private appendToRing(step: SequenceStep): void {
    if (this.pending >= this.capacity) {
      throw new RangeError(`key ${this.key}: ${this.pending} untrained steps fill its history of ${this.capacity}`);
    }
    const slot = this.total % this.capacity;
    if (this.xWidth === 1 && typeof step.x === 'number') this.xs[slot] = step.x;
    else this.xs.set(step.x as Float32Array, slot * this.xWidth);
    if (this.yWidth === 1 && typeof step.y === 'number') this.ys[slot] = step.y;
    else this.ys.set(step.y as Float32Array, slot * this.yWidth);
    this.sources[slot] = step.source;
    this.total++;
  }

  /** Copies the input of position `pos` into `dest` (row `row` of a [B, I] batch, or element `row` of token ids). */
  copyInput(pos: number, dest: Float32Array | Int32Array, row: number): void {
    const slot = this.slotOf(pos);
    const w = this.xWidth;
    if (w === 1 && dest instanceof Int32Array) dest[row] = this.xs[slot];
    else dest.set(this.xs.subarray(slot * w, slot * w + w), row * w);
  }

  /** Copies the target of position `pos` into row `row` of `dest`. */
  copyTarget(pos: number, dest: Float32Array | Int32Array, row: number): void {
    const slot = this.slotOf(pos);
    const w = this.yWidth;
    if (w === 1 && dest instanceof Int32Array) dest[row] = this.ys[slot];
    else dest.set(this.ys.subarray(slot * w, slot * w + w), row * w);
  }

  sourceAt(pos: number): StepSource | undefined {
    return this.sources[this.slotOf(pos)];
  }

  /** The latest snapshot at or before `pos` that is still usable (its position is retained). */
  snapshotAtOrBefore(pos: number): StateSnapshot | undefined {
    for (let i = this.snapshots.length - 1; i >= 0; i--) {
      const s = this.snapshots[i];
      if (s.pos <= pos) return s.pos >= this.oldest || s.pos === pos ? s : undefined;
    }
    return undefined;
  }

  /**
   * Records the state entering `pos` and drops snapshots that can no longer be used or that are closer
   * than `minSpacing` steps to the one kept before them (the last two are always kept).
   */
  addSnapshot(pos: number, state: Float32Array, minSpacing: number): void {
    const list = this.snapshots.filter((s) => s.pos !== pos);
    list.push({ pos, state });
    list.sort((a, b) => a.pos - b.pos);
    const oldest = this.oldest;
    // A snapshot before the ring is useless unless it is the newest one at or before `oldest`.
    let firstUseful = 0;
    for (let i = 0; i < list.length; i++) if (list[i].pos <= oldest) firstUseful = i;
    const kept: StateSnapshot[] = [];
    for (let i = firstUseful; i < list.length; i++) {
      const isTail = i >= list.length - 2;
      const prev = kept[kept.length - 1];
      if (isTail || !prev || list[i].pos - prev.pos >= minSpacing) kept.push(list[i]);
    }
    this.snapshots = kept;
  }

  private slotOf(pos: number): number {
    if (pos < this.oldest || pos >= this.total) {
      throw new RangeError(`key ${this.key}: position ${pos} is outside its retained history [${this.oldest}, ${this.total})`);
    }
    return pos % this.capacity;
  }
}
