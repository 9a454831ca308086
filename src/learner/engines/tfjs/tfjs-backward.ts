import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { DeviceParams } from './device-params';
import type { CellKernels } from './tfjs-cells';
import { backwardTapes, type DeviceInputs, type ForwardTrace } from './tfjs-forward';
import type { TensorSplits } from './tensor-splits';

/**
 * Gradient of a weight that multiplies one-hot token rows: dW [n, V] = dYᵀ·onehot(ids), given dY
 * [T·B, n]. The tensorflow backend sums rows by id (UnsortedSegmentSum); wasm lacks that kernel, so it
 * multiplies by the one-hot matrix.
 */
export type TokenWeightGrad = (dY: tf.Tensor, ids: tf.Tensor, vocab: number) => tf.Tensor;

export const segmentSumTokenGrad: TokenWeightGrad = (dY, ids, vocab) =>
  tf.transpose(tf.unsortedSegmentSum(dY, ids as tf.Tensor1D, vocab));

export const oneHotTokenGrad: TokenWeightGrad = (dY, ids, vocab) =>
  tf.matMul(tf.transpose(dY), tf.cast(tf.oneHot(ids as tf.Tensor1D, vocab), 'float32') as tf.Tensor);

/**
 * Backpropagates through the window given the gradient w.r.t. the top layer's h at each step
 * (dTop[t], null for steps without a loss), layer by layer from the top. Returns the gradient of every
 * parameter by PyTorch name. Weight gradients are accumulated in one matMul per weight over all T·B rows.
 */
export function backwardWindow(spec: ModelSpec, p: DeviceParams, cell: CellKernels, inputs: DeviceInputs,
  trace: ForwardTrace, dTop: ReadonlyArray<tf.Tensor | null>, tokenGrad: TokenWeightGrad, splits: TensorSplits): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  const T = trace.steps;
  let dExt: ReadonlyArray<tf.Tensor | null> = dTop;
  for (let l = spec.layers - 1; l >= 0; l--) {
    const w = p.layers[l];
    const dGx: tf.Tensor[] = new Array(T);
    const dGh: tf.Tensor[] = new Array(T);
    const tapes = backwardTapes(cell, trace, l);
    let dh: tf.Tensor | null = null;
    let dc: tf.Tensor | null = null;
    for (let t = T - 1; t >= 0; t--) {
      const ext = dExt[t];
      const dhT = ext && dh ? tf.add(ext, dh) : (ext ?? dh);
      if (!dhT) throw new Error('internal: no gradient reaches the last step');
      const prev = t > 0 ? trace.states[l][t - 1] : trace.initial[l];
      const g = cell.back(dhT, dc, tapes[t], prev, w);
      dGx[t] = g.dGx;
      dGh[t] = g.dGh;
      dh = g.dPrev.h;
      dc = g.dPrev.c ?? null;
    }
    // Weight gradients over all steps at once: dW = dGᵀ·X with X the [T·B, in] rows the layer read.
    const dGxAll = tf.concat(dGx, 0);
    const dGhAll = spec.cell === 'gru' ? tf.concat(dGh, 0) : dGxAll;
    const hPrevAll = tf.concat([trace.initial[l].h, ...trace.states[l].slice(0, T - 1).map((s) => s.h)], 0);
    const input = trace.layerInputs[l];
    grads.set(`rnn.weight_ih_l${l}`, input
      ? tf.matMul(tf.transpose(dGxAll), input)
      : tokenGrad(dGxAll, (inputs as { ids: tf.Tensor }).ids, spec.inputSize));
    grads.set(`rnn.weight_hh_l${l}`, tf.matMul(tf.transpose(dGhAll), hPrevAll));
    grads.set(`rnn.bias_ih_l${l}`, tf.sum(dGxAll, 0));
    grads.set(`rnn.bias_hh_l${l}`, tf.sum(dGhAll, 0));
    if (l > 0) {
      dExt = splits.rows(tf.matMul(dGxAll, w.wih), T);
    } else if (trace.embedded) {
      const dEmb = tf.matMul(dGxAll, w.wih);
      grads.set('encoder.weight', 'dense' in inputs
        ? tf.matMul(tf.transpose(dEmb), inputs.dense)
        : tokenGrad(dEmb, inputs.ids, spec.inputSize));
      grads.set('encoder.bias', tf.sum(dEmb, 0));
    }
  }
  return grads;
}
