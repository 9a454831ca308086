import type { EngineName } from '../engines/engine';
import { validateModelSpec, type CellKind, type HeadKind, type ModelSpec } from './model-spec';
import { paramShapes, sizeOf, type HostTensor, type ParamSet } from './param-set';
import { zeroState, type RecurrentState } from './recurrent-state';
import type { SequenceWindow } from './sequence-window';

/**
 * The input of `tbptt-stream grad` (issue 2, deliverable 8), decoded into the core types:
 *
 * ```
 * {"model": {"cell": "lstm"|"gru"|"rnn", "layers": L, "inputSize": I, "embedSize"?: E, "hiddenSize": H,
 *            "outputSize": C, "head": "softmax"|"mse"},
 *  "weights": {"<PyTorch name>": number[] (row-major, PyTorch shape)},
 *  "inputs": number[T][B][I] (dense) or int[T][B] (token ids < I),
 *  "targets": int[T][B] (softmax, class ids < C) or number[T][B][C] (mse),
 *  "initialState"?: {"h": number[L][B][H], "c"?: number[L][B][H] (LSTM only, then required)},
 *  "lossSteps"?: n (losses on the last n steps, 1..T; default T),
 *  "engine"?: "ts"|"tfjs-node"|"tfjs-wasm"|"auto" (default "auto")}
 * ```
 * A top-level `expected` field (the reference answer carried by the PyTorch fixtures) is ignored; any
 * other unknown field is an error, so that a misspelt option is not silently dropped.
 */
export interface GradRequest {
  /** inputKind is 'tokens' when inputs are int[T][B], 'dense' when number[T][B][I]. */
  readonly spec: ModelSpec;
  /** Parameters in the canonical order of {@link paramShapes}. */
  readonly params: ParamSet;
  readonly window: SequenceWindow;
  /** The state entering step 0 (zeros when `initialState` is absent). */
  readonly initial: RecurrentState;
  /** First step with a loss: T − lossSteps. */
  readonly lossFrom: number;
  readonly engine: EngineName | 'auto';
}

/** A bad grad request; `field` is the JSON path of the offending value (e.g. `inputs[3][1]`). */
export class GradRequestError extends Error {
  override readonly name = 'GradRequestError';
  constructor(readonly field: string, detail: string) {
    super(`${field}: ${detail}`);
  }
}

/** Engine choices accepted in the `engine` field. */
export const GRAD_ENGINE_CHOICES: ReadonlyArray<EngineName | 'auto'> = ['auto', 'ts', 'tfjs-node', 'tfjs-wasm'];

const TOP_LEVEL_FIELDS = ['model', 'weights', 'inputs', 'targets', 'initialState', 'lossSteps', 'engine', 'expected'];
const MODEL_FIELDS = ['cell', 'layers', 'inputSize', 'embedSize', 'hiddenSize', 'outputSize', 'head'];

/** Parses JSON text and decodes it; invalid JSON is reported as a GradRequestError on field `stdin`. */
export function parseGradRequest(text: string): GradRequest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new GradRequestError('stdin', `not valid JSON (${(e as Error).message})`);
  }
  return decodeGradRequest(json);
}

/**
 * Validates a parsed grad request and maps it onto the core types.
 * @throws GradRequestError naming the first offending field.
 */
export function decodeGradRequest(json: unknown): GradRequest {
  const root = object(json, 'request');
  rejectUnknown(root, TOP_LEVEL_FIELDS, '');

  // --- inputs decide the input kind, T and B
  const inputRows = array(required(root, 'inputs', ''), 'inputs');
  const T = inputRows.length;
  if (T === 0) throw new GradRequestError('inputs', 'expected at least one step');
  const firstRow = array(inputRows[0], 'inputs[0]');
  const B = firstRow.length;
  if (B === 0) throw new GradRequestError('inputs[0]', 'expected at least one stream');
  const inputKind = Array.isArray(firstRow[0]) ? 'dense' : 'tokens';

  const spec = decodeModel(required(root, 'model', ''), inputKind);
  const params = decodeWeights(required(root, 'weights', ''), spec);
  const window: SequenceWindow = {
    batch: B,
    steps: T,
    inputs: inputRows.map((row, t) => decodeInputStep(row, t, B, spec)),
    targets: decodeTargets(required(root, 'targets', ''), T, B, spec),
  };
  const initial = root.initialState === undefined ? zeroState(spec, B) : decodeState(root.initialState, spec, B);

  let lossSteps = T;
  if (root.lossSteps !== undefined) {
    const n = root.lossSteps;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > T) {
      throw new GradRequestError('lossSteps', `expected an integer in 1..${T} (T = ${T}), got ${show(n)}`);
    }
    lossSteps = n;
  }

  let engine: EngineName | 'auto' = 'auto';
  if (root.engine !== undefined) {
    if (!GRAD_ENGINE_CHOICES.includes(root.engine as EngineName)) {
      throw new GradRequestError('engine', `unknown engine ${show(root.engine)} (expected one of ${GRAD_ENGINE_CHOICES.join(', ')})`);
    }
    engine = root.engine as EngineName | 'auto';
  }
  return { spec, params, window, initial, lossFrom: T - lossSteps, engine };
}

function decodeModel(value: unknown, inputKind: 'dense' | 'tokens'): ModelSpec {
  const m = object(value, 'model');
  rejectUnknown(m, MODEL_FIELDS, 'model.');
  const choice = <K extends string>(name: string, options: readonly K[]): K => {
    const v = required(m, name, 'model.');
    if (!options.includes(v as K)) {
      throw new GradRequestError(`model.${name}`, `expected one of ${options.map((o) => `"${o}"`).join(', ')}, got ${show(v)}`);
    }
    return v as K;
  };
  const positive = (name: string): number => {
    const v = required(m, name, 'model.');
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new GradRequestError(`model.${name}`, `expected a positive integer, got ${show(v)}`);
    }
    return v;
  };
  const spec: ModelSpec = {
    cell: choice<CellKind>('cell', ['lstm', 'gru', 'rnn']),
    layers: positive('layers'),
    inputSize: positive('inputSize'),
    inputKind,
    ...(m.embedSize !== undefined ? { embedSize: positive('embedSize') } : {}),
    hiddenSize: positive('hiddenSize'),
    outputSize: positive('outputSize'),
    head: choice<HeadKind>('head', ['softmax', 'mse']),
  };
  validateModelSpec(spec);
  return spec;
}

function decodeWeights(value: unknown, spec: ModelSpec): ParamSet {
  const w = object(value, 'weights');
  const shapes = paramShapes(spec);
  const known = new Set(shapes.map(([n]) => n));
  for (const name of Object.keys(w)) {
    if (!known.has(name)) {
      throw new GradRequestError(`weights[${JSON.stringify(name)}]`,
        `unknown parameter for this model (a ${spec.layers}-layer ${spec.cell}${spec.embedSize === undefined ? ' without' : ' with'} encoder has: ${[...known].join(', ')})`);
    }
  }
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of shapes) {
    const field = `weights[${JSON.stringify(name)}]`;
    if (w[name] === undefined) throw new GradRequestError(field, `missing (shape [${shape.join(', ')}])`);
    const values = array(w[name], field);
    const n = sizeOf(shape);
    if (values.length !== n) {
      throw new GradRequestError(field, `expected ${n} numbers (shape [${shape.join(', ')}]), got ${values.length}`);
    }
    tensors.set(name, { shape, data: floats(values, field) });
  }
  return { tensors, version: 0 };
}

function decodeInputStep(value: unknown, t: number, B: number, spec: ModelSpec): Float32Array | Int32Array {
  const field = `inputs[${t}]`;
  const row = array(value, field);
  if (row.length !== B) throw new GradRequestError(field, `expected ${B} streams (as inputs[0]), got ${row.length}`);
  if (spec.inputKind === 'tokens') {
    const ids = new Int32Array(B);
    row.forEach((v, b) => { ids[b] = classId(v, `${field}[${b}]`, spec.inputSize, 'token id', 'model.inputSize'); });
    return ids;
  }
  const I = spec.inputSize;
  const out = new Float32Array(B * I);
  row.forEach((v, b) => {
    const f = `${field}[${b}]`;
    if (!Array.isArray(v)) throw new GradRequestError(f, `expected ${I} numbers (dense inputs, as inputs[0][0]), got ${show(v)}`);
    if (v.length !== I) throw new GradRequestError(f, `expected ${I} numbers (model.inputSize), got ${v.length}`);
    out.set(floats(v, f), b * I);
  });
  return out;
}

function decodeTargets(value: unknown, T: number, B: number, spec: ModelSpec): Array<Float32Array | Int32Array> {
  const rows = array(value, 'targets');
  if (rows.length !== T) throw new GradRequestError('targets', `expected ${T} steps (as inputs), got ${rows.length}`);
  const C = spec.outputSize;
  return rows.map((r, t) => {
    const field = `targets[${t}]`;
    const row = array(r, field);
    if (row.length !== B) throw new GradRequestError(field, `expected ${B} streams (as inputs), got ${row.length}`);
    if (spec.head === 'softmax') {
      const ids = new Int32Array(B);
      row.forEach((v, b) => { ids[b] = classId(v, `${field}[${b}]`, C, 'class id', 'model.outputSize'); });
      return ids;
    }
    const out = new Float32Array(B * C);
    row.forEach((v, b) => {
      const f = `${field}[${b}]`;
      if (!Array.isArray(v)) throw new GradRequestError(f, `expected ${C} numbers (mse targets), got ${show(v)}`);
      if (v.length !== C) throw new GradRequestError(f, `expected ${C} numbers (model.outputSize), got ${v.length}`);
      out.set(floats(v, f), b * C);
    });
    return out;
  });
}

function decodeState(value: unknown, spec: ModelSpec, B: number): RecurrentState {
  const s = object(value, 'initialState');
  const isLstm = spec.cell === 'lstm';
  rejectUnknown(s, ['h', 'c'], 'initialState.');
  if (!isLstm && s.c !== undefined) {
    throw new GradRequestError('initialState.c', `only an LSTM has a cell state (model.cell is "${spec.cell}")`);
  }
  const part = (key: 'h' | 'c'): Float32Array[] => {
    const field = `initialState.${key}`;
    if (s[key] === undefined) {
      throw new GradRequestError(field, `missing (an LSTM state needs both h and c, each [${spec.layers}][${B}][${spec.hiddenSize}])`);
    }
    const layers = array(s[key], field);
    if (layers.length !== spec.layers) {
      throw new GradRequestError(field, `expected ${spec.layers} layers (model.layers), got ${layers.length}`);
    }
    return layers.map((l, i) => {
      const lf = `${field}[${i}]`;
      const rows = array(l, lf);
      if (rows.length !== B) throw new GradRequestError(lf, `expected ${B} streams (as inputs), got ${rows.length}`);
      const out = new Float32Array(B * spec.hiddenSize);
      rows.forEach((r, b) => {
        const rf = `${lf}[${b}]`;
        const v = array(r, rf);
        if (v.length !== spec.hiddenSize) {
          throw new GradRequestError(rf, `expected ${spec.hiddenSize} numbers (model.hiddenSize), got ${v.length}`);
        }
        out.set(floats(v, rf), b * spec.hiddenSize);
      });
      return out;
    });
  };
  return isLstm ? { h: part('h'), c: part('c') } : { h: part('h') };
}

// --- small validators; each throws a GradRequestError naming the field

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new GradRequestError(field, `expected an object, got ${show(value)}`);
  }
  return value as Record<string, unknown>;
}

function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new GradRequestError(field, `expected an array, got ${show(value)}`);
  return value;
}

function required(obj: Record<string, unknown>, key: string, prefix: string): unknown {
  if (obj[key] === undefined) throw new GradRequestError(`${prefix}${key}`, 'missing');
  return obj[key];
}

function rejectUnknown(obj: Record<string, unknown>, known: readonly string[], prefix: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new GradRequestError(`${prefix}${key}`, `unknown field (expected ${known.filter((k) => k !== 'expected').join(', ')})`);
    }
  }
}

/** Every value a finite number that float32 can hold; returned as float32. */
function floats(values: unknown[], field: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new GradRequestError(`${field}[${i}]`, `expected a finite number, got ${show(v)}`);
    }
    const f = Math.fround(v);
    if (!Number.isFinite(f)) throw new GradRequestError(`${field}[${i}]`, `${v} is outside the float32 range`);
    out[i] = f;
  }
  return out;
}

function classId(v: unknown, field: string, size: number, what: string, sizeField: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new GradRequestError(field, `expected an integer ${what}, got ${show(v)}`);
  }
  if (v < 0 || v >= size) {
    throw new GradRequestError(field, `${what} ${v} out of range 0..${size - 1} (${sizeField} = ${size})`);
  }
  return v;
}

function show(v: unknown): string {
  if (typeof v === 'number') return String(v);
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

