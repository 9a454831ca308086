import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import { foldsEncoder, type DeviceLayer, type DeviceParams } from './device-params';
import type { FusedLstm, LstmBlocks } from './fused-lstm';
import type { CellKernels, LayerState } from './tfjs-cells';
import type { TensorSplits } from './tensor-splits';

/** The window's inputs on the device: dense rows [T·B, inputSize], or token ids [T·B] (int32), time-major. */
export type DeviceInputs = { readonly dense: tf.Tensor } | { readonly ids: tf.Tensor };

/** What the forward pass keeps for the backward passes (all tensors live in the caller's tidy scope). */
export interface ForwardTrace {
  /** T and B. */
  readonly steps: number;
  readonly batch: number;
  /** Encoder output [T·B, E] (absent without an encoder). */
  readonly embedded?: tf.Tensor;
  /**
   * Per layer, the [T·B, in] matrix the layer read (layer 0: encoder output or dense input; absent for
   * token inputs without an encoder, where the projection is a row gather).
   */
  readonly layerInputs: ReadonlyArray<tf.Tensor | undefined>;
  /** initial[l]: state entering step 0. */
  readonly initial: readonly LayerState[];
  /** states[l][t]: state of layer l after step t. */
  readonly states: ReadonlyArray<readonly LayerState[]>;
  /** saved[l][t]: the cell's saved activations. */
  readonly saved: ReadonlyArray<ReadonlyArray<tf.Tensor[]>>;
  /**
   * LSTM layers run by the fused kernels: per layer, its input [T, B, in] and its activations [T, B, H].
   * `states` and `saved` are then cut out of these, per step, only when read.
   */
  readonly fused?: ReadonlyArray<{ readonly x: tf.Tensor; readonly blocks: LstmBlocks }>;
  /** The encoder was folded into the fused layer 0 (foldsEncoder), which read the model input. */
  readonly folded?: boolean;
}

/**
 * Runs the encoder and the stacked cells over the window, layer by layer: each layer's input projection
 * for all T steps is one matMul (bias folded in), then split into per-step tensors for the recurrence.
 */
export function forwardLayers(spec: ModelSpec, p: DeviceParams, cell: CellKernels, inputs: DeviceInputs,
  initial: LayerState[], steps: number, batch: number, splits: TensorSplits, fused?: FusedLstm): ForwardTrace {
  const runFused = fused !== undefined && spec.cell === 'lstm' && p.layers.every((w) => w.stacked);
  const folded = runFused && foldsEncoder(spec);
  // Encoder (linear, no nonlinearity): one-hot tokens times Wᵀ is a row gather of Wᵀ.
  let embedded: tf.Tensor | undefined;
  if (p.encWT && p.encB && !folded) {
    const e = 'ids' in inputs ? tf.gather(p.encWT, inputs.ids) : tf.matMul(inputs.dense, p.encWT);
    embedded = tf.add(e, p.encB);
  }
  let below: tf.Tensor | undefined = embedded ?? ('dense' in inputs ? inputs.dense : undefined);
  if (runFused && fused) return fusedLayers(spec, p.layers, fused, below, inputs, initial, steps, batch, embedded, folded);
  const layerInputs: Array<tf.Tensor | undefined> = [];
  const states: LayerState[][] = [];
  const saved: tf.Tensor[][][] = [];
  for (let l = 0; l < spec.layers; l++) {
    const w = p.layers[l];
    // [T·B, G·H] input projections of every step, then one tensor per step.
    const xProjAll = below
      ? tf.add(tf.matMul(below, w.wihT), w.biasX)
      : tf.add(tf.gather(w.wihT, (inputs as { ids: tf.Tensor }).ids), w.biasX);
    const xProj = splits.rows(xProjAll, steps);
    layerInputs.push(below);
    const layerStates: LayerState[] = [];
    const layerSaved: tf.Tensor[][] = [];
    let state = initial[l];
    for (let t = 0; t < steps; t++) {
      const r = cell.step(xProj[t], state, w);
      state = r.next;
      layerStates.push(state);
      layerSaved.push(r.saved);
    }
    states.push(layerStates);
    saved.push(layerSaved);
    if (l + 1 < spec.layers) below = tf.concat(layerStates.map((s) => s.h), 0);
  }
  return { steps, batch, ...(embedded ? { embedded } : {}), layerInputs, initial, states, saved };
}

/**
 * The LSTM layers by the fused kernels, one op per layer (token inputs without an encoder go in as their
 * one-hot rows). Per-step states and activations are cut out of the blocks on first read.
 */
function fusedLayers(spec: ModelSpec, layers: readonly DeviceLayer[], fused: FusedLstm, below: tf.Tensor | undefined,
  inputs: DeviceInputs, initial: LayerState[], steps: number, batch: number, embedded: tf.Tensor | undefined,
  folded: boolean): ForwardTrace {
  const layerInputs: Array<tf.Tensor | undefined> = [];
  const runs: Array<{ x: tf.Tensor; blocks: LstmBlocks }> = [];
  for (let l = 0; l < spec.layers; l++) {
    const x = below
      ? tf.reshape(below, [steps, batch, below.shape[1] as number])
      : tf.reshape(tf.oneHot((inputs as { ids: tf.Tensor }).ids as tf.Tensor1D, spec.inputSize, 1, 0, 'float32'), [steps, batch, spec.inputSize]);
    const { w, b } = layers[l].stacked as { w: tf.Tensor; b: tf.Tensor };
    const blocks = fused.forward(x, initial[l].h, initial[l].c as tf.Tensor, w, b);
    layerInputs.push(below);
    runs.push({ x, blocks });
    below = tf.reshape(blocks.h, [steps * batch, spec.hiddenSize]);
  }
  let states: LayerState[][] | undefined;
  let saved: tf.Tensor[][][] | undefined;
  return {
    steps, batch, ...(embedded ? { embedded } : {}), layerInputs, initial, fused: runs, folded,
    get states() {
      states ??= runs.map(({ blocks }) => {
        const h = tf.unstack(blocks.h);
        const c = tf.unstack(blocks.c);
        return h.map((ht, t) => ({ h: ht, c: c[t] }));
      });
      return states;
    },
    get saved() {
      saved ??= runs.map(({ blocks }) => {
        const [i, f, g, o, tc] = [blocks.i, blocks.f, blocks.g, blocks.o, blocks.tc].map((k) => tf.unstack(k));
        return i.map((_, t) => [i[t], f[t], g[t], o[t], tc[t]]);
      });
      return saved;
    },
  };
}

/** Top-layer h of steps from..T−1 stacked time-major, [(T−from)·B, H]. */
export function topHidden(trace: ForwardTrace, from: number): tf.Tensor {
  if (trace.fused) {
    const h = trace.fused[trace.fused.length - 1].blocks.h;
    const [T, B, H] = h.shape as [number, number, number];
    return tf.reshape(from === 0 ? h : tf.slice(h, [from, 0, 0], [T - from, B, H]), [(T - from) * B, H]);
  }
  const top = trace.states[trace.states.length - 1];
  const hs = top.slice(from).map((s) => s.h);
  return hs.length === 1 ? hs[0] : tf.concat(hs, 0);
}

/** Layer l's state after step t (for a fused trace, cut out of its blocks without splitting every step). */
export function stateAfter(trace: ForwardTrace, l: number, t: number): LayerState {
  const run = trace.fused?.[l];
  if (!run) return trace.states[l][t];
  const [, B, H] = run.blocks.h.shape as [number, number, number];
  const at = (x: tf.Tensor): tf.Tensor => tf.reshape(tf.slice(x, [t, 0, 0], [1, B, H]), [B, H]);
  return { h: at(run.blocks.h), c: at(run.blocks.c) };
}

/** Layer l's h entering each step (the initial state, then after steps 0..T−2), time-major [T·B, H]. */
export function hiddenEntering(trace: ForwardTrace, l: number): tf.Tensor {
  const T = trace.steps;
  if (trace.fused) {
    const h = trace.fused[l].blocks.h;
    const [, B, H] = h.shape as [number, number, number];
    return T === 1 ? trace.initial[l].h : tf.concat([trace.initial[l].h, tf.reshape(tf.slice(h, [0, 0, 0], [T - 1, B, H]), [(T - 1) * B, H])], 0);
  }
  return tf.concat([trace.initial[l].h, ...trace.states[l].slice(0, T - 1).map((s) => s.h)], 0);
}

/** Decoder: h·Wᵀ + b, [rows, C]. */
export function decode(p: DeviceParams, hidden: tf.Tensor): tf.Tensor {
  return tf.add(tf.matMul(hidden, p.decWT), p.decB);
}

/** Layer l's per-step inputs of the cell's back(): its prepareBack() of the saved activations, if any. */
export function backwardTapes(cell: CellKernels, trace: ForwardTrace, l: number): ReadonlyArray<tf.Tensor[]> {
  if (trace.fused) {
    if (!cell.tapesFromBlocks) throw new Error('internal: a fused trace needs the LSTM kernels');
    return cell.tapesFromBlocks(trace.fused[l].blocks, trace.initial[l].c as tf.Tensor);
  }
  const saved = trace.saved[l];
  if (!cell.prepareBack) return saved;
  return cell.prepareBack(saved, [trace.initial[l], ...trace.states[l].slice(0, trace.steps - 1)]);
}
