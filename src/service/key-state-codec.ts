import { KeyHistory, type KeyHistorySnapshot, type SerializedStep } from '../learner/online/key-history';
import { ByteReader, ByteWriter } from '../util/binary-io';
import type { KeyState } from './service-state';

/**
 * A compact binary form of one key's state, for the spill file of evicted keys and the checkpoint's
 * keys.bin: about a quarter of the JSON's size and no intermediate strings. Float32 data is stored as
 * float32 and everything else exactly (token ids and classes as int32, scores as float64), so a decoded
 * state is bit-identical to the encoded one.
 *
 * Layout (little-endian): u8 version · str key · str partition · u8 flags (1 history, 2 pending x, 4 score)
 * · [history] · [pending x] · [score: 3 × f64]. History: f64 total · f64 trained · u32 steps · u32 queued
 * · u8 x kind · u32 x width · u8 y kind · u32 y width · u32 topics · str × topics · steps then queued (x, y,
 * u8 has source, [u32 topic index · i32 partition · str offset]) · u32 snapshots · (f64 pos · u32 n · f32 × n).
 * Value kinds: 0 = one int32, 1 = float32 × width.
 */
const VERSION = 1;
const HAS_HISTORY = 1;
const HAS_PENDING = 2;
const HAS_SCORE = 4;

/** A key's state as captured from memory: its history is the live one, encoded without a snapshot. */
export interface LiveKeyState extends Omit<KeyState, 'history'> {
  readonly history?: KeyHistory;
}

/** Appends the encoding of `state` to `w`. */
export function encodeKeyState(state: KeyState | LiveKeyState, w: ByteWriter): void {
  w.u8(VERSION);
  w.str(state.key);
  w.str(state.partition);
  w.u8((state.history ? HAS_HISTORY : 0) | (state.pendingX !== undefined ? HAS_PENDING : 0) | (state.score ? HAS_SCORE : 0));
  if (state.history instanceof KeyHistory) state.history.encodeTo(w);
  else if (state.history) encodeHistory(state.history, w);
  if (state.pendingX !== undefined) encodeValue(state.pendingX, w);
  if (state.score) for (const v of state.score) w.f64(v);
}

/** Decodes one key state from `r` (throws a RangeError naming what is wrong). */
export function decodeKeyState(r: ByteReader): KeyState {
  const version = r.u8();
  if (version !== VERSION) throw new RangeError(`key state: unknown format version ${version}`);
  const key = r.str();
  const partition = r.str();
  const flags = r.u8();
  const history = flags & HAS_HISTORY ? decodeHistory(key, r) : undefined;
  const pendingX = flags & HAS_PENDING ? decodeValue(r) : undefined;
  const score = flags & HAS_SCORE ? ([r.f64(), r.f64(), r.f64()] as [number, number, number]) : undefined;
  return { key, partition, ...(history ? { history } : {}), ...(pendingX !== undefined ? { pendingX } : {}), ...(score ? { score } : {}) };
}

/** A list of key states: u32 count, then per state u32 length and its encoding. */
export function encodeKeyStates(states: Iterable<KeyState | LiveKeyState>, w: ByteWriter = new ByteWriter(1 << 20)): Buffer {
  const countAt = w.length;
  w.u32(0);
  let n = 0;
  for (const s of states) {
    const lengthAt = w.length;
    w.u32(0);
    encodeKeyState(s, w);
    w.u32At(lengthAt, w.length - lengthAt - 4);
    n++;
  }
  w.u32At(countAt, n);
  return w.bytes();
}

export function decodeKeyStates(bytes: Buffer, what: string): KeyState[] {
  const r = new ByteReader(bytes, what);
  const n = r.u32();
  const out: KeyState[] = [];
  for (let i = 0; i < n; i++) {
    const len = r.u32();
    const one = new ByteReader(r.view(len), what);
    out.push(decodeKeyState(one));
    if (!one.done) throw new RangeError(`${what}: key state ${i} has ${len - one.offset} bytes left over`);
  }
  if (!r.done) throw new RangeError(`${what}: bytes after the last of ${n} key states`);
  return out;
}

function encodeHistory(h: KeyHistorySnapshot, w: ByteWriter): void {
  w.f64(h.total);
  w.f64(h.trained);
  w.u32(h.steps.length);
  w.u32(h.queued.length);
  const first = h.steps[0] ?? h.queued[0];
  const kind = (v: number | number[] | undefined): [number, number] => (v === undefined || typeof v === 'number' ? [0, 1] : [1, v.length]);
  const [xKind, xWidth] = kind(first?.x);
  const [yKind, yWidth] = kind(first?.y);
  w.u8(xKind); w.u32(xWidth); w.u8(yKind); w.u32(yWidth);
  const topics: string[] = [];
  for (const s of [h.steps, h.queued]) for (const step of s) if (step.source && !topics.includes(step.source[0])) topics.push(step.source[0]);
  w.u32(topics.length);
  for (const t of topics) w.str(t);
  const step = (s: SerializedStep): void => {
    encodeFixed(s.x, xKind, xWidth, w, 'input');
    encodeFixed(s.y, yKind, yWidth, w, 'target');
    if (!s.source) {
      w.u8(0);
      return;
    }
    w.u8(1);
    w.u32(topics.indexOf(s.source[0]));
    w.i32(s.source[1]);
    w.str(s.source[2]);
  };
  for (const s of h.steps) step(s);
  for (const s of h.queued) step(s);
  w.u32(h.snapshots.length);
  for (const s of h.snapshots) {
    w.f64(s.pos);
    w.u32(s.state.length);
    w.f32s(s.state);
  }
}

function decodeHistory(key: string, r: ByteReader): KeyHistorySnapshot {
  const total = r.f64();
  const trained = r.f64();
  const nSteps = r.u32();
  const nQueued = r.u32();
  const xKind = r.u8(); const xWidth = r.u32(); const yKind = r.u8(); const yWidth = r.u32();
  const topics = Array.from({ length: r.u32() }, () => r.str());
  const step = (): SerializedStep => {
    const x = decodeFixed(xKind, xWidth, r);
    const y = decodeFixed(yKind, yWidth, r);
    if (r.u8() === 0) return { x, y };
    const topic = topics[r.u32()];
    if (topic === undefined) throw new RangeError(`key state of ${key}: a step names an unknown topic`);
    return { x, y, source: [topic, r.i32(), r.str()] };
  };
  const steps = Array.from({ length: nSteps }, step);
  const queued = Array.from({ length: nQueued }, step);
  const snapshots = Array.from({ length: r.u32() }, () => {
    const pos = r.f64();
    return { pos, state: Array.from(r.f32s(r.u32())) };
  });
  return { key, total, trained, steps, queued, snapshots };
}

function encodeFixed(v: number | number[], kind: number, width: number, w: ByteWriter, what: string): void {
  if (kind === 0 && typeof v === 'number') w.i32(v);
  else if (kind === 1 && typeof v !== 'number' && v.length === width) w.f32s(v);
  else throw new RangeError(`key state: a step's ${what} differs in kind or width from the first step's`);
}

function decodeFixed(kind: number, width: number, r: ByteReader): number | number[] {
  if (kind === 0) return r.i32();
  if (kind === 1) return Array.from(r.f32s(width));
  throw new RangeError(`key state: unknown value kind ${kind}`);
}

/** A pending next-step input: a number (f64, exact) or float32 values. */
function encodeValue(v: number | number[], w: ByteWriter): void {
  if (typeof v === 'number') {
    w.u8(0);
    w.f64(v);
  } else {
    w.u8(1);
    w.u32(v.length);
    w.f32s(v);
  }
}

function decodeValue(r: ByteReader): number | number[] {
  const kind = r.u8();
  if (kind === 0) return r.f64();
  if (kind === 1) return Array.from(r.f32s(r.u32()));
  throw new RangeError(`key state: unknown pending-input kind ${kind}`);
}
