import * as tf from '@tensorflow/tfjs-core';
import type {
  Engine, EngineName, ForwardOptions, ForwardResult, LagNorms, TrainOptions, TrainResult,
} from '../engine';
import { stateSize, type ModelSpec } from '../../model/model-spec';
import { param, paramShapes, sizeOf, type HostTensor, type ParamSet } from '../../model/param-set';
import type { RecurrentState } from '../../model/recurrent-state';
import type { SequenceWindow } from '../../model/sequence-window';
import { DeviceParamCache, type DeviceParams } from './device-params';
import { activateBackend, type TfjsBackendName } from './tfjs-backend';
import { backwardWindow, fusedBackwardWindow, oneHotTokenGrad, segmentSumTokenGrad, type TokenWeightGrad } from './tfjs-backward';
import { fusedBackward, nativeFusedLstm, type FusedLstm, type LstmKernels } from './fused-lstm';
import { nativeOps, type NativeOps } from './native-ops';
import { cellKernels, type CellKernels, type LayerState } from './tfjs-cells';
import { stateGradients } from './tfjs-diagnose';
import { decode, forwardLayers, stateAfter, topHidden, type DeviceInputs, type ForwardTrace } from './tfjs-forward';
import { headLoss, headOutputs } from './tfjs-head';
import { nativeSplits, wasmSplits, type TensorSplits } from './tensor-splits';
import { graphSessionsAvailable, type GraphSession } from './graph/graph-session';
import { GraphCache } from './graph/graph-cache';
import { buildDiagnoseGraph, type DiagnoseGraphShape } from './graph/lstm-diagnose-graph';
import { lstmGraphSupports } from './graph/lstm-graph-forward';
import { buildTrainGraph, type TrainGraphShape } from './graph/lstm-train-graph';

/** Options of a TensorFlow.js engine. */
export interface TfjsEngineOptions {
  /** The LSTM kernels on tfjs-node (default 'auto'; wasm always runs 'per-op'). */
  readonly lstmKernels?: LstmKernels;
}

/**
 * The TensorFlow.js engine on one backend ('tensorflow' = tfjs-node, 'wasm'). Hand-derived backward
 * (no autodiff tape); parameters cached on the device per ParamSet identity and version; every call
 * runs inside tf.tidy, so the live tensor count stays flat. Create it with createTfjsEngine().
 */
export class TfjsEngine implements Engine {
  readonly name: EngineName;
  private readonly params: DeviceParamCache;
  private readonly one: tf.Scalar;
  /** The fused LSTM kernels (tfjs-node only), see fused-lstm.ts. */
  private readonly fused: FusedLstm | undefined;
  /** Single native ops (tfjs-node only, not with lstmKernels 'per-op'), see native-ops.ts. */
  private readonly native: NativeOps | undefined;
  private readonly tokenGrad: TokenWeightGrad;
  private readonly splits: TensorSplits;
  private readonly kernels = new Map<string, CellKernels>();
  /**
   * Loaded graphs of training windows and diagnostic passes (tfjs-node, lstmKernels 'auto' or 'graph'), see
   * graph/graph-session.ts.
   */
  private readonly graphs: { train: GraphCache<TrainGraphShape>; diagnose: GraphCache<DiagnoseGraphShape> } | undefined;
  /** Why a graph could not be loaded ('auto' then runs everything eagerly); undefined while none failed. */
  graphFailure: string | undefined;

  /** The LSTM kernels in use: 'per-op', or the fused ones ('auto' chooses per call, see fused-lstm.ts). */
  readonly lstmKernels: LstmKernels;

  constructor(private readonly tfBackend: TfjsBackendName, readonly backend: string, options: TfjsEngineOptions = {}) {
    this.name = tfBackend === 'tensorflow' ? 'tfjs-node' : 'tfjs-wasm';
    activateBackend(tfBackend);
    const wanted = options.lstmKernels ?? 'auto';
    this.native = wanted === 'per-op' ? undefined : nativeOps();
    this.fused = nativeFusedLstm(this.native);
    if (!this.fused && wanted !== 'auto' && wanted !== 'per-op') {
      throw new Error(`lstmKernels '${wanted}' needs tfjs-node with TensorFlow's BlockLSTMV2 and LSTMBlockCellGrad ops (backend: ${backend})`);
    }
    if (wanted === 'graph' && !graphSessionsAvailable()) {
      throw new Error(`lstmKernels 'graph' needs tfjs-node's native sessions (backend: ${backend})`);
    }
    this.lstmKernels = this.fused ? wanted : 'per-op';
    // 'graph' loads a shape's graph on its first window; 'auto' on its second (see TrainGraphCache).
    const buildAt = wanted === 'graph' ? 1 : 2;
    this.graphs = this.fused && (wanted === 'auto' || wanted === 'graph') && graphSessionsAvailable()
      ? { train: new GraphCache(buildTrainGraph, buildAt), diagnose: new GraphCache(buildDiagnoseGraph, buildAt) }
      : undefined;
    this.params = new DeviceParamCache(this.fused !== undefined);
    this.one = tf.keep(tf.scalar(1));
    this.tokenGrad = tfBackend === 'wasm' ? oneHotTokenGrad : segmentSumTokenGrad;
    this.splits = tfBackend === 'wasm' ? wasmSplits : nativeSplits;
  }

  forward(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options: ForwardOptions = {}): ForwardResult {
    const T = window.steps;
    const outputsFrom = options.outputsFrom ?? T - 1;
    checkWindow(spec, window, initial, 0);
    checkStep('outputsFrom', outputsFrom, T);
    const p = this.prepare(spec, params);
    let result!: ForwardResult;
    tf.tidy(() => {
      const inputs = uploadInputs(spec, window);
      const trace = forwardLayers(spec, p, this.cell(spec), inputs, uploadState(spec, initial, window.batch), T, window.batch, this.splits, this.fused);
      const logits = decode(p, topHidden(trace, outputsFrom));
      result = {
        outputs: splitRows(headOutputs(spec, logits).dataSync() as Float32Array, T - outputsFrom),
        ...downloadStates(spec, trace, options.keepStatesAfter ?? []),
      };
    });
    return result;
  }

  trainWindow(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options: TrainOptions): TrainResult {
    const T = window.steps;
    const B = window.batch;
    const { lossFrom } = options;
    const outputsFrom = options.outputsFrom ?? T - 1;
    checkStep('lossFrom', lossFrom, T);
    checkStep('outputsFrom', outputsFrom, T);
    checkWindow(spec, window, initial, T);
    const keep = options.keepStatesAfter ?? [];
    for (const t of keep) checkStep('keepStatesAfter', t, T);
    activateBackend(this.tfBackend);
    const graph = this.graphs && lstmGraphSupports(spec)
      ? this.graphFor(this.graphs.train, spec, { steps: T, batch: B, lossFrom, outputsFrom, allStates: keep.length > 0 })
      : undefined;
    if (graph) return trainByGraph(spec, params, window, initial, options, graph);
    const p = this.prepare(spec, params);
    const nLoss = T - lossFrom;
    let result!: TrainResult;
    tf.tidy(() => {
      // Forward: cells over the window, decoder over every step that has an output or a loss.
      const inputs = uploadInputs(spec, window);
      const cell = this.cell(spec);
      const trace = forwardLayers(spec, p, cell, inputs, uploadState(spec, initial, B), T, B, this.splits, this.fused);
      const from = Math.min(outputsFrom, lossFrom);
      const logits = decode(p, topHidden(trace, from));
      const rows = (s: number, n: number): tf.Tensor =>
        s === from && n === T - from ? logits : tf.slice(logits, [(s - from) * B, 0], [n * B, spec.outputSize]);
      // Loss on steps lossFrom..T−1 and its gradient w.r.t. the logits.
      const head = headLoss(spec, rows(lossFrom, nLoss), uploadTargets(spec, window, lossFrom), nLoss, B, this.native);
      // Backward: decoder, then the cells (layer by layer, top first).
      const hLoss = topHidden(trace, lossFrom);
      const dHiddenAll = tf.matMul(head.dLogits, p.decW);
      let grads: Map<string, tf.Tensor>;
      const backward = trace.fused && (this.lstmKernels === 'auto' || this.lstmKernels === 'graph') ? fusedBackward(B, spec.hiddenSize) : this.lstmKernels;
      if (trace.fused && this.fused && backward === 'fused-window') {
        grads = fusedBackwardWindow(spec, p, this.fused, inputs, trace, dHiddenAll, lossFrom, this.tokenGrad);
      } else {
        const dHidden = this.splits.rows(dHiddenAll, nLoss);
        const dTop = Array.from({ length: T }, (_, t) => (t < lossFrom ? null : dHidden[t - lossFrom]));
        grads = backwardWindow(spec, p, cell, inputs, trace, dTop, this.tokenGrad, this.splits, backward === 'fused-steps' ? this.fused : undefined);
      }
      grads.set('decoder.weight', tf.matMul(tf.transpose(head.dLogits), hLoss));
      grads.set('decoder.bias', tf.sum(head.dLogits, 0));
      // Download.
      const rowLoss = head.rowLoss.dataSync() as Float32Array;
      let sum = 0;
      for (let i = 0; i < rowLoss.length; i++) sum += rowLoss[i];
      result = {
        loss: sum / rowLoss.length,
        stepLosses: splitRows(rowLoss, nLoss),
        grads: downloadGrads(spec, grads),
        outputs: splitRows(headOutputs(spec, rows(outputsFrom, T - outputsFrom)).dataSync() as Float32Array, T - outputsFrom),
        ...downloadStates(spec, trace, options.keepStatesAfter ?? []),
      };
    });
    return result;
  }

  diagnose(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState): LagNorms {
    const T = window.steps;
    const B = window.batch;
    checkWindow(spec, window, initial, T);
    activateBackend(this.tfBackend);
    const graph = this.graphs && lstmGraphSupports(spec) ? this.graphFor(this.graphs.diagnose, spec, { steps: T, batch: B }) : undefined;
    let sumSq!: Float32Array;
    let mean!: Float32Array;
    if (graph) {
      tf.tidy(() => {
        const [s, m] = graph.run(graphFeeds(spec, params, window, initial, T - 1));
        sumSq = s.dataSync() as Float32Array;
        mean = m.dataSync() as Float32Array;
      });
    } else {
      const p = this.prepare(spec, params);
      tf.tidy(() => {
        const inputs = uploadInputs(spec, window);
        const cell = this.cell(spec);
        const trace: ForwardTrace = forwardLayers(spec, p, cell, inputs, uploadState(spec, initial, B), T, B, this.splits, this.fused);
        const hLast = topHidden(trace, T - 1);
        const head = headLoss(spec, decode(p, hLast), uploadTargets(spec, window, T - 1), 1, B, this.native);
        const g = stateGradients(spec, p, cell, trace, tf.matMul(head.dLogits, p.decW), this.fused);
        sumSq = g.sumSq.dataSync() as Float32Array;
        mean = g.mean.dataSync() as Float32Array;
      });
    }
    // Cumulative norms in float64 on the host.
    const S = stateSize(spec);
    const lagNorms: Float64Array[] = [];
    const cumExact = new Float64Array(T);
    const cumApprox = new Float64Array(T);
    const running = new Float64Array(S);
    let approx = 0;
    for (let j = 0; j < T; j++) {
      const norms = new Float64Array(B);
      let meanNorm = 0;
      for (let b = 0; b < B; b++) {
        norms[b] = Math.sqrt(sumSq[j * B + b]);
        meanNorm += norms[b] / B;
      }
      lagNorms.push(norms);
      approx += meanNorm;
      cumApprox[j] = approx;
      let sq = 0;
      for (let s = 0; s < S; s++) {
        running[s] += mean[j * S + s];
        sq += running[s] * running[s];
      }
      cumExact[j] = Math.sqrt(sq);
    }
    return { lagNorms, cumExact, cumApprox };
  }

  dispose(): void {
    this.graphs?.train.clear();
    this.graphs?.diagnose.clear();
    this.params.clear();
    this.one.dispose();
  }

  /**
   * The loaded graph for a shape, or undefined: not yet (see GraphCache), or graphs failed to load here (a
   * temporary folder that cannot be written, a runtime without the ops), after which 'auto' stays eager and
   * says so once; 'graph' rethrows.
   */
  private graphFor<Shape>(cache: GraphCache<Shape>, spec: ModelSpec, shape: Shape): GraphSession | undefined {
    if (this.graphFailure !== undefined) return undefined;
    try {
      return cache.get(spec, shape);
    } catch (e) {
      if (this.lstmKernels === 'graph') throw e;
      this.graphFailure = e instanceof Error ? e.message : String(e);
      process.emitWarning(`tfjs-node: LSTM windows run eagerly, a graph could not be loaded: ${this.graphFailure}`);
      return undefined;
    }
  }

  /** How many training and diagnostic graphs this engine holds loaded. */
  get loadedGraphs(): number {
    return (this.graphs?.train.size ?? 0) + (this.graphs?.diagnose.size ?? 0);
  }

  /** Activates this engine's backend and returns the device copy of the params. */
  private prepare(spec: ModelSpec, params: ParamSet): DeviceParams {
    activateBackend(this.tfBackend);
    return this.params.get(spec, params);
  }

  private cell(spec: ModelSpec): CellKernels {
    let k = this.kernels.get(spec.cell);
    if (!k) {
      k = cellKernels(spec.cell, this.one, this.splits);
      this.kernels.set(spec.cell, k);
    }
    return k;
  }
}

/**
 * trainWindow as one native graph (graph/lstm-train-graph.ts): the window's inputs, targets, states and
 * parameters go in, and the row losses, outputs, gradients and states come out of a single session run.
 */
function trainByGraph(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
  options: TrainOptions, session: GraphSession): TrainResult {
  const T = window.steps;
  const B = window.batch;
  const { lossFrom } = options;
  const outputsFrom = options.outputsFrom ?? T - 1;
  const keep = options.keepStatesAfter ?? [];
  let result!: TrainResult;
  tf.tidy(() => {
    const out = session.run(graphFeeds(spec, params, window, initial, lossFrom));
    const shapes = paramShapes(spec);
    const rowLoss = out[0].dataSync() as Float32Array;
    let sum = 0;
    for (let i = 0; i < rowLoss.length; i++) sum += rowLoss[i];
    const tensors = new Map<string, HostTensor>();
    shapes.forEach(([name, shape], k) => tensors.set(name, { shape, data: (out[2 + k].dataSync() as Float32Array).slice() }));
    const states = out.slice(2 + shapes.length).map((x) => x.dataSync() as Float32Array);
    const size = B * spec.hiddenSize;
    const after = (t: number): RecurrentState => {
      const at = (x: Float32Array): Float32Array => (keep.length > 0 ? x.slice(t * size, (t + 1) * size) : x.slice());
      return { h: states.filter((_, k) => k % 2 === 0).map(at), c: states.filter((_, k) => k % 2 === 1).map(at) };
    };
    result = {
      loss: sum / rowLoss.length,
      stepLosses: splitRows(rowLoss, T - lossFrom),
      grads: { tensors, version: 0 },
      outputs: splitRows(out[1].dataSync() as Float32Array, T - outputsFrom),
      finalState: after(T - 1),
      keptStates: keep.map(after),
    };
  });
  return result;
}

/**
 * The feeds of the LSTM graphs (graph/lstm-graph-forward.ts), in their order: the input, the targets of
 * steps targetsFrom..T−1, h0 and c0 of each layer, then the parameters (PyTorch names and shapes).
 */
function graphFeeds(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
  targetsFrom: number): tf.Tensor[] {
  const inputs = uploadInputs(spec, window);
  const feeds = ['ids' in inputs ? inputs.ids : inputs.dense, uploadTargets(spec, window, targetsFrom)];
  for (const s of uploadState(spec, initial, window.batch)) feeds.push(s.h, s.c as tf.Tensor);
  for (const [name, shape] of paramShapes(spec)) {
    const { data } = param(params, name);
    if (data.length !== sizeOf(shape)) throw new RangeError(`${name}: expected ${shape.join('×')} values, got ${data.length}`);
    feeds.push(tf.tensor(data, shape));
  }
  return feeds;
}

function checkStep(name: string, value: number, steps: number): void {
  if (!Number.isInteger(value) || value < 0 || value >= steps) {
    throw new RangeError(`${name} must be an integer in [0, ${steps - 1}], got ${value}`);
  }
}

/** Throws when the window or the state does not fit the spec; `targetSteps` targets are required. */
function checkWindow(spec: ModelSpec, w: SequenceWindow, s: RecurrentState, targetSteps: number): void {
  const B = w.batch;
  if (!Number.isInteger(B) || B < 1) throw new RangeError(`window.batch must be a positive integer, got ${B}`);
  if (!Number.isInteger(w.steps) || w.steps < 1) throw new RangeError(`window.steps must be a positive integer, got ${w.steps}`);
  if (w.inputs.length < w.steps) throw new RangeError(`window.inputs has ${w.inputs.length} steps, expected ${w.steps}`);
  const inLen = spec.inputKind === 'dense' ? B * spec.inputSize : B;
  for (let t = 0; t < w.steps; t++) {
    if (w.inputs[t].length !== inLen) throw new RangeError(`window.inputs[${t}] has ${w.inputs[t].length} values, expected ${inLen}`);
  }
  if (w.targets.length < targetSteps) throw new RangeError(`window.targets has ${w.targets.length} steps, expected ${targetSteps}`);
  const tLen = spec.head === 'softmax' ? B : B * spec.outputSize;
  for (let t = 0; t < Math.min(w.targets.length, w.steps); t++) {
    if (w.targets[t].length !== tLen) throw new RangeError(`window.targets[${t}] has ${w.targets[t].length} values, expected ${tLen}`);
  }
  const hLen = B * spec.hiddenSize;
  if (s.h.length !== spec.layers || s.h.some((a) => a.length !== hLen)) {
    throw new RangeError(`initial state h must be ${spec.layers} arrays of ${hLen} values`);
  }
  if (spec.cell === 'lstm' && (!s.c || s.c.length !== spec.layers || s.c.some((a) => a.length !== hLen))) {
    throw new RangeError(`initial state c must be ${spec.layers} arrays of ${hLen} values (LSTM)`);
  }
}

/** Uploads the inputs as one time-major tensor: dense [T·B, I] or token ids [T·B]. */
function uploadInputs(spec: ModelSpec, w: SequenceWindow): DeviceInputs {
  const T = w.steps;
  if (spec.inputKind === 'tokens') {
    const ids = new Int32Array(T * w.batch);
    for (let t = 0; t < T; t++) ids.set(w.inputs[t], t * w.batch);
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < spec.inputSize)) {
        throw new RangeError(`window.inputs[${Math.floor(i / w.batch)}][${i % w.batch}]: token ${ids[i]} is outside [0, ${spec.inputSize})`);
      }
    }
    return { ids: tf.tensor1d(ids, 'int32') };
  }
  const n = w.batch * spec.inputSize;
  const x = new Float32Array(T * n);
  for (let t = 0; t < T; t++) x.set(w.inputs[t], t * n);
  return { dense: tf.tensor2d(x, [T * w.batch, spec.inputSize]) };
}

/** Targets of steps from..T−1, time-major: class ids [n·B] (int32) or values [n·B, C]. */
function uploadTargets(spec: ModelSpec, w: SequenceWindow, from: number): tf.Tensor {
  const n = w.steps - from;
  if (spec.head === 'softmax') {
    const ids = new Int32Array(n * w.batch);
    for (let t = from; t < w.steps; t++) ids.set(w.targets[t], (t - from) * w.batch);
    for (let i = 0; i < ids.length; i++) {
      if (!(ids[i] >= 0 && ids[i] < spec.outputSize)) {
        throw new RangeError(`window.targets[${from + Math.floor(i / w.batch)}][${i % w.batch}]: class ${ids[i]} is outside [0, ${spec.outputSize})`);
      }
    }
    return tf.tensor1d(ids, 'int32');
  }
  const m = w.batch * spec.outputSize;
  const y = new Float32Array(n * m);
  for (let t = from; t < w.steps; t++) y.set(w.targets[t], (t - from) * m);
  return tf.tensor2d(y, [n * w.batch, spec.outputSize]);
}

function uploadState(spec: ModelSpec, s: RecurrentState, batch: number): LayerState[] {
  const shape: [number, number] = [batch, spec.hiddenSize];
  return s.h.map((h, l) => (spec.cell === 'lstm'
    ? { h: tf.tensor2d(h, shape), c: tf.tensor2d((s.c as Float32Array[])[l], shape) }
    : { h: tf.tensor2d(h, shape) }));
}

function downloadStates(spec: ModelSpec, trace: ForwardTrace, keep: readonly number[]):
  { finalState: RecurrentState; keptStates: RecurrentState[] } {
  const after = (t: number): RecurrentState => {
    checkStep('keepStatesAfter', t, trace.steps);
    const layers = trace.initial.map((_, l) => stateAfter(trace, l, t));
    const h = layers.map((s) => (s.h.dataSync() as Float32Array).slice());
    return spec.cell === 'lstm' ? { h, c: layers.map((s) => (s.c!.dataSync() as Float32Array).slice()) } : { h };
  };
  return { finalState: after(trace.steps - 1), keptStates: keep.map(after) };
}

function downloadGrads(spec: ModelSpec, grads: Map<string, tf.Tensor>): ParamSet {
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of paramShapes(spec)) {
    const g = grads.get(name);
    if (!g) throw new Error(`internal: no gradient for ${name}`);
    tensors.set(name, { shape, data: (g.dataSync() as Float32Array).slice() });
  }
  return { tensors, version: 0 };
}

/** Splits n equal consecutive rows of a flat array into n copies. */
function splitRows(flat: Float32Array, n: number): Float32Array[] {
  const size = flat.length / n;
  return Array.from({ length: n }, (_, i) => flat.slice(i * size, (i + 1) * size));
}
