import type { StepSource, SequenceStep } from '../../domain/sequence-step';
import type { ModelSpec } from '../model/model-spec';
import { stateSize } from '../model/model-spec';
import type { ByteWriter } from '../../util/binary-io';

/** The detached recurrent state of one stream entering step `pos`: [h of layers 0..L−1, c of layers 0..L−1]. */
export interface StateSnapshot {
  readonly pos: number;
  readonly state: Float32Array;
}

/**
 * A key's history as JSON-ready data (checkpoints, evicted keys). Numbers are float32 values held exactly
 * by JSON doubles, so a restored history is bit-identical. `steps` are the retained positions
 * [total − steps.length, total) followed by none; `queued` the steps waiting behind the ring.
 */
export interface KeyHistorySnapshot {
  readonly key: string;
  readonly total: number;
  readonly trained: number;
  readonly steps: SerializedStep[];
  readonly queued: SerializedStep[];
  readonly snapshots: Array<{ pos: number; state: number[] }>;
}

/** One step as data: x and y are numbers (token, class) or arrays (dense); source is [topic, partition, offset]. */
export interface SerializedStep {
  readonly x: number | number[];
  readonly y: number | number[];
  readonly source?: [string, number, string];
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
  /** The group its waiting steps count towards (e.g. its Kafka partition; see OnlineLearnerOptions.groupOf). */
  group: string | undefined = undefined;
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

  /**
   * Marks the next `n` steps trained. Their sources (topic, partition, offset) are dropped: they only
   * label the predictions of untrained steps, and keeping one per retained step would make a key's memory
   * grow with every step up to its capacity.
   */
  markTrained(n: number): void {
    for (let pos = this.trained; pos < this.trained + n; pos++) this.sources[pos % this.capacity] = undefined;
    this.trained += n;
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

  /**
   * Writes the binary form of {@link snapshot} (the history part of src/service/key-state-codec.ts) straight
   * from the ring, without building the snapshot's objects: checkpoints and evictions of many keys then
   * leave almost no garbage. Produces the same bytes as encoding {@link snapshot} (tested).
   */
  encodeTo(w: ByteWriter): void {
    const tokensX = this.xWidth === 1 && this.xs instanceof Int32Array;
    const tokensY = this.yWidth === 1 && this.ys instanceof Int32Array;
    const oldest = this.oldest;
    const nSteps = this.total - oldest;
    w.f64(this.total);
    w.f64(this.trained);
    w.u32(nSteps);
    w.u32(this.inbox.length);
    const any = nSteps > 0 || this.inbox.length > 0;
    w.u8(tokensX || !any ? 0 : 1); w.u32(tokensX || !any ? 1 : this.xWidth);
    w.u8(tokensY || !any ? 0 : 1); w.u32(tokensY || !any ? 1 : this.yWidth);
    const topics: string[] = [];
    for (let pos = oldest; pos < this.total; pos++) {
      const src = this.sources[pos % this.capacity];
      if (src && !topics.includes(src.topic)) topics.push(src.topic);
    }
    for (const st of this.inbox) if (st.source && !topics.includes(st.source.topic)) topics.push(st.source.topic);
    w.u32(topics.length);
    for (const t of topics) w.str(t);
    const source = (src: StepSource | undefined): void => {
      if (!src) {
        w.u8(0);
        return;
      }
      w.u8(1);
      w.u32(topics.indexOf(src.topic));
      w.i32(src.partition);
      w.str(src.offset);
    };
    for (let pos = oldest; pos < this.total; pos++) {
      const slot = pos % this.capacity;
      if (tokensX) w.i32(this.xs[slot]);
      else w.f32s(this.xs.subarray(slot * this.xWidth, (slot + 1) * this.xWidth));
      if (tokensY) w.i32(this.ys[slot]);
      else w.f32s(this.ys.subarray(slot * this.yWidth, (slot + 1) * this.yWidth));
      source(this.sources[slot]);
    }
    for (const st of this.inbox) {
      if (typeof st.x === 'number') w.i32(st.x);
      else w.f32s(st.x);
      if (typeof st.y === 'number') w.i32(st.y);
      else w.f32s(st.y);
      source(st.source);
    }
    w.u32(this.snapshots.length);
    for (const snap of this.snapshots) {
      w.f64(snap.pos);
      w.u32(snap.state.length);
      w.f32s(snap.state);
    }
  }

  /** The history as data (see {@link KeyHistorySnapshot}). */
  snapshot(): KeyHistorySnapshot {
    const steps: SerializedStep[] = [];
    for (let pos = this.oldest; pos < this.total; pos++) {
      const slot = pos % this.capacity;
      const x = this.xWidth === 1 && this.xs instanceof Int32Array ? this.xs[slot] : Array.from(this.xs.subarray(slot * this.xWidth, (slot + 1) * this.xWidth));
      const y = this.yWidth === 1 && this.ys instanceof Int32Array ? this.ys[slot] : Array.from(this.ys.subarray(slot * this.yWidth, (slot + 1) * this.yWidth));
      steps.push(serializedStep(x, y, this.sources[slot]));
    }
    const queued = this.inbox.map((s) => serializedStep(
      typeof s.x === 'number' ? s.x : Array.from(s.x), typeof s.y === 'number' ? s.y : Array.from(s.y), s.source));
    return {
      key: this.key, total: this.total, trained: this.trained, steps, queued,
      snapshots: this.snapshots.map((s) => ({ pos: s.pos, state: Array.from(s.state) })),
    };
  }

  /**
   * Rebuilds a history from {@link snapshot} data for a model of `spec` with `capacity` retained steps.
   * Throws a RangeError naming the problem when the data does not fit (another model, a smaller history).
   */
  static restore(spec: ModelSpec, capacity: number, snap: KeyHistorySnapshot): KeyHistory {
    const bad = (what: string): never => { throw new RangeError(`key history ${JSON.stringify(snap?.key)}: ${what}`); };
    if (!snap || typeof snap.key !== 'string' || !Array.isArray(snap.steps) || !Array.isArray(snap.queued) || !Array.isArray(snap.snapshots)) bad('malformed snapshot');
    if (!Number.isInteger(snap.total) || !Number.isInteger(snap.trained) || snap.trained > snap.total || snap.steps.length > snap.total) bad('inconsistent positions');
    if (snap.steps.length > capacity) bad(`${snap.steps.length} retained steps do not fit a history of ${capacity} (state.historySteps was larger)`);
    if (snap.total - snap.trained > snap.steps.length) bad('untrained steps are missing from the retained history');
    const h = new KeyHistory(snap.key, spec, capacity);
    const size = stateSize(spec);
    const deserialize = (s: SerializedStep): SequenceStep => {
      const x = typeof s.x === 'number' ? s.x : Float32Array.from(s.x);
      const y = typeof s.y === 'number' ? s.y : Float32Array.from(s.y);
      if ((typeof x === 'number') !== (h.xWidth === 1 && h.xs instanceof Int32Array) || (typeof x !== 'number' && x.length !== h.xWidth)) bad('an input does not match the model');
      if ((typeof y === 'number') !== (h.yWidth === 1 && h.ys instanceof Int32Array) || (typeof y !== 'number' && y.length !== h.yWidth)) bad('a target does not match the model');
      return { key: snap.key, x, y, ...(s.source ? { source: { topic: s.source[0], partition: s.source[1], offset: s.source[2] } } : {}) };
    };
    h.total = snap.total - snap.steps.length;
    h.trained = h.total;
    for (const s of snap.steps) h.appendToRing(deserialize(s));
    h.trained = snap.trained;
    for (const s of snap.queued) h.inbox.push(deserialize(s));
    h.snapshots = snap.snapshots.map((s) => {
      if (!Number.isInteger(s?.pos) || !Array.isArray(s.state) || s.state.length !== size) bad('a stored state does not match the model');
      return { pos: s.pos, state: Float32Array.from(s.state) };
    });
    return h;
  }

  private slotOf(pos: number): number {
    if (pos < this.oldest || pos >= this.total) {
      throw new RangeError(`key ${this.key}: position ${pos} is outside its retained history [${this.oldest}, ${this.total})`);
    }
    return pos % this.capacity;
  }
}

function serializedStep(x: number | number[], y: number | number[], source: StepSource | undefined): SerializedStep {
  return source ? { x, y, source: [source.topic, source.partition, source.offset] } : { x, y };
}
