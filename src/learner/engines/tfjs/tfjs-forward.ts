import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { DeviceParams } from './device-params';
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
}

/**
 * Runs the encoder and the stacked cells over the window, layer by layer: each layer's input projection
 * for all T steps is one matMul (bias folded in), then split into per-step tensors for the recurrence.
 */
export function forwardLayers(spec: ModelSpec, p: DeviceParams, cell: CellKernels, inputs: DeviceInputs,
  initial: LayerState[], steps: number, batch: number, splits: TensorSplits): ForwardTrace {
  // Encoder (linear, no nonlinearity): one-hot tokens times Wᵀ is a row gather of Wᵀ.
  let embedded: tf.Tensor | undefined;
  if (p.encWT && p.encB) {
    const e = 'ids' in inputs ? tf.gather(p.encWT, inputs.ids) : tf.matMul(inputs.dense, p.encWT);
    embedded = tf.add(e, p.encB);
  }
  const layerInputs: Array<tf.Tensor | undefined> = [];
  const states: LayerState[][] = [];
  const saved: tf.Tensor[][][] = [];
  let below: tf.Tensor | undefined = embedded ?? ('dense' in inputs ? inputs.dense : undefined);
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

/** Top-layer h of steps from..T−1 stacked time-major, [(T−from)·B, H]. */
export function topHidden(trace: ForwardTrace, from: number): tf.Tensor {
  const top = trace.states[trace.states.length - 1];
  const hs = top.slice(from).map((s) => s.h);
  return hs.length === 1 ? hs[0] : tf.concat(hs, 0);
}

/** Decoder: h·Wᵀ + b, [rows, C]. */
export function decode(p: DeviceParams, hidden: tf.Tensor): tf.Tensor {
  return tf.add(tf.matMul(hidden, p.decWT), p.decB);
}

/** Layer l's per-step inputs of the cell's back(): its prepareBack() of the saved activations, if any. */
export function backwardTapes(cell: CellKernels, trace: ForwardTrace, l: number): ReadonlyArray<tf.Tensor[]> {
  const saved = trace.saved[l];
  if (!cell.prepareBack) return saved;
  return cell.prepareBack(saved, [trace.initial[l], ...trace.states[l].slice(0, trace.steps - 1)]);
}
