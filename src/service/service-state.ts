import type { NextStepPairer } from '../decode/next-step-pairer';
import { decodeSafetensors, encodeSafetensors } from '../learner/model/safetensors';
import type { ParamSet } from '../learner/model/param-set';
import type { KeyHistorySnapshot } from '../learner/online/key-history';
import type { OnlineLearnerGlobals } from '../learner/online/online-learner';
import type { OptimizerSnapshot } from '../learner/optim/optimizer';
import type { AnomalyScorer } from '../learner/stats/anomaly-scorer';
import type { TruncationSnapshot } from '../learner/truncation/truncation-estimator';
import type { EvictedEntry, EvictedKeysSnapshot } from '../sinks/checkpoint/evicted-key-store';
import type { RngSnapshot } from '../util/rng';
import type { TopicPartitionKey } from '../source/kafka/topic-partition';
import type { LearnerParts } from './build-learner';
import { decodeKeyStates, encodeKeyStates, type LiveKeyState } from './key-state-codec';
import { ByteReader, ByteWriter } from '../util/binary-io';

/** Files of a service checkpoint (see {@link captureServiceState}). */
export const PARAMS_FILE = 'params.safetensors';
export const STATE_FILE = 'state.json';
/** Every key's state in the binary form of key-state-codec (format version 2; version 1 kept them in state.json). */
export const KEYS_FILE = 'keys.bin';
/** The spill index (evicted keys' positions), binary: u32 count, then per entry str key, f64 position, u32 bytes, str partition. */
export const EVICTED_FILE = 'evicted.bin';

/** One sequence key's complete state: where it comes from, its history and hidden states, pairing, scoring. */
export interface KeyState {
  readonly key: string;
  readonly partition: TopicPartitionKey;
  readonly history?: KeyHistorySnapshot;
  /** The next-step pairer's pending x (next-step targets only). */
  readonly pendingX?: number | number[];
  /** Anomaly statistics [mean, variance, count]. */
  readonly score?: [number, number, number];
}

/** state.json of a service checkpoint (besides the parameters), with the keys of keys.bin read in. */
export interface ServiceStateData {
  readonly version: 1 | 2;
  readonly learner: OnlineLearnerGlobals;
  readonly controller: { windowsSince: number; insufficientHistory: number };
  readonly estimator: TruncationSnapshot;
  readonly optimizer: OptimizerSnapshot;
  readonly rng: RngSnapshot;
  /** Every key, in the learner's order. */
  readonly keys: KeyState[];
  /** Ready keys in the order they became ready. */
  readonly ready: string[];
  /** Keys in memory from least to most recently used (the eviction order). */
  readonly recency?: string[];
  /** Keys evicted to the instance's spill file (state.maxKeys). */
  readonly evicted?: EvictedKeysSnapshot;
}

/** The live objects a checkpoint captures and restores. */
export interface ServiceStateParts {
  readonly learner: LearnerParts;
  readonly pairer: NextStepPairer;
  readonly scorer: AnomalyScorer;
  /** Which partition each key came from, in first-seen order. */
  readonly keyPartition: Map<string, TopicPartitionKey>;
}

/**
 * Captures the whole training state synchronously (between two windows) as checkpoint files:
 * `params.safetensors` (PyTorch names), `keys.bin` (per key: history, stored hidden states, pending
 * next-step input, anomaly statistics) and `state.json` (the optimizer, estimator, diagnostic schedule, RNG,
 * ready and LRU order, spill index). Taken at one instant, so the files agree with each other and with the
 * consumed offsets recorded beside them.
 */
export function captureServiceState(parts: ServiceStateParts, extra: Pick<ServiceStateData, 'recency' | 'evicted'> = {},
  /** Reused between checkpoints (the previous checkpoint's files must be written by then). */
  writers: { keys: ByteWriter; evicted: ByteWriter } = { keys: new ByteWriter(1 << 20), evicted: new ByteWriter(1 << 16) }): Map<string, Buffer> {
  const p = parts.learner;
  const names = new Set([...p.learner.keyNames(), ...parts.keyPartition.keys()]);
  function* keyStates(): Generator<LiveKeyState> {
    for (const key of names) {
      const state = captureKeyState(parts, key);
      if (state) yield state;
    }
  }
  writers.keys.reset();
  const keys = encodeKeyStates(keyStates(), writers.keys);
  const { evicted, ...rest } = extra;
  const data: Omit<ServiceStateData, 'keys'> = {
    version: 2,
    learner: p.learner.globals(),
    controller: p.controller.snapshot(),
    estimator: p.estimator.snapshot(),
    optimizer: p.optimizer.snapshot(),
    rng: p.rng.snapshot(),
    ready: p.learner.readyKeys(),
    ...rest,
    ...(evicted ? { evicted: { file: evicted.file, bytes: evicted.bytes, entries: [] } } : {}),
  };
  return new Map([
    [PARAMS_FILE, encodeSafetensors(p.params)],
    [STATE_FILE, Buffer.from(JSON.stringify(data))],
    [KEYS_FILE, keys],
    ...(evicted ? [[EVICTED_FILE, encodeEvicted(evicted.entries, writers.evicted)] as [string, Buffer]] : []),
  ]);
}

/** One key's whole state, its history the live one (undefined for a key this instance does not hold); encode it before anything changes. */
export function captureKeyState(parts: ServiceStateParts, key: string): LiveKeyState | undefined {
  const partition = parts.keyPartition.get(key);
  if (partition === undefined) return undefined;
  const history = parts.learner.learner.history(key);
  const x = parts.pairer.pending(key);
  const score = parts.scorer.get(key);
  return {
    key, partition, ...(history ? { history } : {}),
    ...(x === undefined ? {} : { pendingX: typeof x === 'number' ? x : Array.from(x) }), ...(score ? { score } : {}),
  };
}

/** Drops a key from memory everywhere (after its state was saved, or when its partition left). */
export function forgetKey(parts: ServiceStateParts, key: string): void {
  parts.learner.learner.forget(key);
  parts.pairer.forget(key);
  parts.scorer.forget(key);
  parts.keyPartition.delete(key);
}

/** Puts keys' saved state back in memory (histories in the given order; ready ones in `readyOrder`). */
export function adoptKeyStates(parts: ServiceStateParts, states: readonly KeyState[], readyOrder: readonly string[] = []): void {
  const partitionOf = new Map(states.map((k) => [k.key, k.partition]));
  parts.learner.learner.adopt(states.flatMap((k) => (k.history ? [k.history] : [])), readyOrder, (key) => partitionOf.get(key));
  for (const k of states) {
    parts.keyPartition.set(k.key, k.partition);
    if (k.pendingX !== undefined) parts.pairer.setPending(k.key, typeof k.pendingX === 'number' ? k.pendingX : Float32Array.from(k.pendingX));
    if (k.score) parts.scorer.set(k.key, k.score);
  }
}

/** A checkpoint's files parsed and checked against the model. */
export interface ServiceState {
  readonly params: ParamSet;
  readonly data: ServiceStateData;
}

/**
 * Parses a checkpoint's files. Throws an Error saying what does not match (another model, a malformed file)
 * and how to proceed.
 */
export function readServiceState(files: ReadonlyMap<string, Buffer>, parts: ServiceStateParts, where: string): ServiceState {
  const paramsBytes = files.get(PARAMS_FILE);
  const stateBytes = files.get(STATE_FILE);
  if (!paramsBytes || !stateBytes) throw new Error(`checkpoint ${where} lacks ${PARAMS_FILE} or ${STATE_FILE}`);
  let params: ParamSet;
  try {
    params = decodeSafetensors(paramsBytes, parts.learner.spec).params;
  } catch (e) {
    throw new Error(`checkpoint ${where} was written for another model (${(e as Error).message}); ` +
      'restore the model settings it was written with, or point checkpoint.dir at an empty directory to start afresh');
  }
  const json = JSON.parse(stateBytes.toString('utf8')) as Omit<ServiceStateData, 'keys'> & { keys?: KeyState[] };
  if (!Array.isArray(json?.ready) || !(json.version === 1 ? Array.isArray(json.keys) : json.version === 2)) {
    throw new Error(`checkpoint ${where}: state.json has an unknown format`);
  }
  let keys = json.keys;
  if (json.version === 2) {
    const keyBytes = files.get(KEYS_FILE);
    if (!keyBytes) throw new Error(`checkpoint ${where} lacks ${KEYS_FILE}`);
    keys = decodeKeyStates(keyBytes, `checkpoint ${where}: ${KEYS_FILE}`);
  }
  const evictedBytes = files.get(EVICTED_FILE);
  const evicted = evictedBytes && json.evicted ? { ...json.evicted, entries: decodeEvicted(evictedBytes, `checkpoint ${where}: ${EVICTED_FILE}`) } : json.evicted;
  return { params, data: { ...json, keys: keys!, ...(evicted ? { evicted } : {}) } };
}

/**
 * Restores the model-wide state (parameters copied in place with their version bumped, so engines upload
 * them again; optimizer, estimator, schedule, RNG, K and counters). Keys are restored by {@link restoreKeys}.
 */
export function restoreGlobals(state: ServiceState, parts: ServiceStateParts, where: string): void {
  const p = parts.learner;
  try {
    p.learner.restoreGlobals(state.data.learner);
    p.controller.restore(state.data.controller);
    p.estimator.restore(state.data.estimator);
    p.optimizer.restore(state.data.optimizer);
    p.rng.restore(state.data.rng);
  } catch (e) {
    throw new Error(`checkpoint ${where} does not fit this configuration: ${(e as Error).message}`);
  }
  for (const [name, t] of p.params.tensors) t.data.set(state.params.tensors.get(name)!.data);
  p.params.version++;
}

/** Restores the keys of the given partitions, in the checkpoint's order; returns how many. */
export function restoreKeys(state: ServiceState, parts: ServiceStateParts, partitions: ReadonlySet<TopicPartitionKey>): number {
  const chosen = state.data.keys.filter((k) => partitions.has(k.partition));
  adoptKeyStates(parts, chosen, state.data.ready);
  return chosen.length;
}

function encodeEvicted(entries: readonly EvictedEntry[], w: ByteWriter): Buffer {
  w.reset();
  w.u32(entries.length);
  for (const [key, pos, bytes, partition] of entries) {
    w.str(key);
    w.f64(pos);
    w.u32(bytes);
    w.str(partition);
  }
  return w.bytes();
}

function decodeEvicted(bytes: Buffer, what: string): EvictedEntry[] {
  const r = new ByteReader(bytes, what);
  const out: EvictedEntry[] = new Array(r.u32());
  for (let i = 0; i < out.length; i++) out[i] = [r.str(), r.f64(), r.u32(), r.str()];
  if (!r.done) throw new RangeError(`${what}: bytes after the last entry`);
  return out;
}
