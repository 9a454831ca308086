/**
 * An independent, deliberately naive float64 implementation of the model (encoder → stacked
 * LSTM/GRU/RNN cells → decoder → head) used as the numerical reference for every engine. Plain loops
 * over named weights, written straight from the PyTorch documentation's equations; it shares no code
 * with any engine (only the ModelSpec/ParamSet types). Slow on purpose: it is for tiny test models.
 */
import type { ModelSpec } from '../../src/learner/model/model-spec';
import type { ParamSet } from '../../src/learner/model/param-set';
import type { SequenceWindow } from '../../src/learner/model/sequence-window';

/** Parameters as float64 arrays by PyTorch name (row-major). */
export type RefParams = Map<string, Float64Array>;

/** State of B streams: h[layer][b][unit], and c likewise for LSTM. */
export interface RefState {
  h: number[][][];
  c?: number[][][];
}

/** Adds `delta` to one state component entering step `step` (before the step is computed). */
export interface StatePerturbation {
  readonly step: number;
  readonly part: 'h' | 'c';
  readonly layer: number;
  readonly stream: number;
  readonly unit: number;
  readonly delta: number;
}

/** Result of a reference run over every step of a window. */
export interface RefRun {
  /** Batch-mean loss per step (NaN where the window has no target). */
  readonly stepLoss: number[];
  /** Per-stream loss per step [T][B] (cross-entropy, or mean over C of squared errors). */
  readonly streamLoss: number[][];
  /** Head outputs [T][B][C]: softmax probabilities or regression values. */
  readonly outputs: number[][][];
  /** State after each step [T]. */
  readonly states: RefState[];
}

/** Float64 copies of a ParamSet. */
export function toRefParams(p: ParamSet): RefParams {
  const out: RefParams = new Map();
  for (const [name, t] of p.tensors) out.set(name, Float64Array.from(t.data));
  return out;
}

/** Deep copy of a state. */
export function copyRefState(s: RefState): RefState {
  const cp = (x: number[][][]): number[][][] => x.map((l) => l.map((b) => [...b]));
  return s.c ? { h: cp(s.h), c: cp(s.c) } : { h: cp(s.h) };
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** y = W x + b for W [rows, cols] stored row-major. */
function affine(W: Float64Array, b: Float64Array, x: number[], rows: number): number[] {
  const cols = x.length;
  const y: number[] = [];
  for (let r = 0; r < rows; r++) {
    let s = b[r];
    for (let k = 0; k < cols; k++) s += W[r * cols + k] * x[k];
    y.push(s);
  }
  return y;
}

/** The first cell's input for one stream at one step: (encoded) dense vector or one-hot. */
function firstInput(spec: ModelSpec, p: RefParams, window: SequenceWindow, t: number, b: number): number[] {
  const I = spec.inputSize;
  let x: number[];
  if (spec.inputKind === 'dense') {
    x = Array.from(window.inputs[t].subarray(b * I, (b + 1) * I));
  } else {
    x = new Array<number>(I).fill(0);
    x[window.inputs[t][b]] = 1;
  }
  if (spec.embedSize === undefined) return x;
  return affine(get(p, 'encoder.weight'), get(p, 'encoder.bias'), x, spec.embedSize);
}

function get(p: RefParams, name: string): Float64Array {
  const v = p.get(name);
  if (!v) throw new Error(`reference model: parameter ${name} missing`);
  return v;
}

/** One cell step for one stream of one layer: returns [h', c'] (c' only for LSTM). */
function cellStep(spec: ModelSpec, p: RefParams, l: number, x: number[], h: number[], c: number[] | undefined): [number[], number[] | undefined] {
  const H = spec.hiddenSize;
  const Wih = get(p, `rnn.weight_ih_l${l}`), Whh = get(p, `rnn.weight_hh_l${l}`);
  const bih = get(p, `rnn.bias_ih_l${l}`), bhh = get(p, `rnn.bias_hh_l${l}`);
  if (spec.cell === 'rnn') {
    const a = affine(Wih, bih, x, H), r = affine(Whh, bhh, h, H);
    return [a.map((v, j) => Math.tanh(v + r[j])), undefined];
  }
  if (spec.cell === 'lstm') {
    const a = affine(Wih, bih, x, 4 * H), r = affine(Whh, bhh, h, 4 * H);
    const hn: number[] = [], cn: number[] = [];
    for (let j = 0; j < H; j++) {
      const i = sigmoid(a[j] + r[j]);
      const f = sigmoid(a[H + j] + r[H + j]);
      const g = Math.tanh(a[2 * H + j] + r[2 * H + j]);
      const o = sigmoid(a[3 * H + j] + r[3 * H + j]);
      cn.push(f * (c as number[])[j] + i * g);
      hn.push(o * Math.tanh(cn[j]));
    }
    return [hn, cn];
  }
  // GRU
  const a = affine(Wih, bih, x, 3 * H), r = affine(Whh, bhh, h, 3 * H);
  const hn: number[] = [];
  for (let j = 0; j < H; j++) {
    const rg = sigmoid(a[j] + r[j]);
    const z = sigmoid(a[H + j] + r[H + j]);
    const n = Math.tanh(a[2 * H + j] + rg * r[2 * H + j]);
    hn.push((1 - z) * n + z * h[j]);
  }
  return [hn, undefined];
}

/**
 * Runs the model over all steps of `window` from `initial`, optionally perturbing the state entering
 * one step. Losses are computed wherever the window has a target.
 */
export function refRun(spec: ModelSpec, p: RefParams, window: SequenceWindow, initial: RefState,
  perturb?: StatePerturbation): RefRun {
  const B = window.batch, C = spec.outputSize;
  let state = copyRefState(initial);
  const stepLoss: number[] = [], streamLoss: number[][] = [], outputs: number[][][] = [], states: RefState[] = [];
  for (let t = 0; t < window.steps; t++) {
    if (perturb && perturb.step === t) {
      const arr = perturb.part === 'h' ? state.h : (state.c as number[][][]);
      arr[perturb.layer][perturb.stream][perturb.unit] += perturb.delta;
    }
    const next: RefState = spec.cell === 'lstm' ? { h: [], c: [] } : { h: [] };
    for (let l = 0; l < spec.layers; l++) {
      next.h.push([]);
      next.c?.push([]);
    }
    const outT: number[][] = [], lossT: number[] = [];
    for (let b = 0; b < B; b++) {
      let x = firstInput(spec, p, window, t, b);
      for (let l = 0; l < spec.layers; l++) {
        const [h, c] = cellStep(spec, p, l, x, state.h[l][b], state.c?.[l][b]);
        next.h[l][b] = h;
        if (next.c) next.c[l][b] = c as number[];
        x = h;
      }
      const z = affine(get(p, 'decoder.weight'), get(p, 'decoder.bias'), x, C);
      const target = window.targets[t];
      if (spec.head === 'softmax') {
        const m = Math.max(...z);
        const e = z.map((v) => Math.exp(v - m));
        const s = e.reduce((u, v) => u + v, 0);
        outT.push(e.map((v) => v / s));
        if (target) lossT.push(Math.log(s) + m - z[target[b]]);
      } else {
        outT.push(z);
        if (target) {
          let sq = 0;
          for (let k = 0; k < C; k++) sq += (z[k] - target[b * C + k]) ** 2;
          lossT.push(sq / C);
        }
      }
    }
    state = next;
    states.push(copyRefState(state));
    outputs.push(outT);
    streamLoss.push(lossT);
    stepLoss.push(lossT.length === B ? lossT.reduce((u, v) => u + v, 0) / B : NaN);
  }
  return { stepLoss, streamLoss, outputs, states };
}

/** Window loss: mean over steps lossFrom..T−1 of the batch-mean step losses. */
export function refWindowLoss(run: RefRun, lossFrom: number): number {
  const xs = run.stepLoss.slice(lossFrom);
  return xs.reduce((u, v) => u + v, 0) / xs.length;
}
