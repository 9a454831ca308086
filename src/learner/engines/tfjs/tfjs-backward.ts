import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { DeviceLayer, DeviceParams } from './device-params';
import type { CellGrads, CellKernels } from './tfjs-cells';
import { swapGateBlocks, type FusedLstm } from './fused-lstm';
import { backwardTapes, hiddenEntering, type DeviceInputs, type ForwardTrace } from './tfjs-forward';
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
  trace: ForwardTrace, dTop: ReadonlyArray<tf.Tensor | null>, tokenGrad: TokenWeightGrad, splits: TensorSplits,
  fused?: FusedLstm): Map<string, tf.Tensor> {
  const grads = new Map<string, tf.Tensor>();
  let dExt: ReadonlyArray<tf.Tensor | null> = dTop;
  for (let l = spec.layers - 1; l >= 0; l--) {
    const w = p.layers[l];
    // Gate gradients of every step; with the fused one-step kernel their gate blocks stay in its order, so
    // the weight gradients below come out in that order too and are reordered (rows of [4H, n]) at the end.
    const stepper = layerStepper(cell, trace, l, w, fused);
    const { wih, toPytorch } = stepper;
    const { dGxAll, dGhAll } = layerSteps(spec, stepper, trace.steps, dExt);
    // Weight gradients over all steps at once: dW = dGᵀ·X with X the [T·B, in] rows the layer read.
    const hPrevAll = hiddenEntering(trace, l);
    const input = trace.layerInputs[l];
    const dWihT = toPytorch(input
      ? splits.matMulTA(dGxAll, input)
      : tokenGrad(dGxAll, (inputs as { ids: tf.Tensor }).ids, spec.inputSize));
    const dBiasX = toPytorch(tf.sum(dGxAll, 0));
    grads.set(`rnn.weight_hh_l${l}`, toPytorch(splits.matMulTA(dGhAll, hPrevAll)));
    grads.set(`rnn.bias_hh_l${l}`, dGhAll === dGxAll ? dBiasX : tf.sum(dGhAll, 0));
    if (l === 0 && trace.folded) {
      unfoldEncoderGrads(grads, p, tf.transpose(dWihT), dBiasX);
      break;
    }
    grads.set(`rnn.weight_ih_l${l}`, dWihT);
    grads.set(`rnn.bias_ih_l${l}`, dBiasX);
    if (l > 0) {
      dExt = splits.rows(tf.matMul(dGxAll, wih), trace.steps);
    } else if (trace.embedded) {
      const dEmb = tf.matMul(dGxAll, wih);
      grads.set('encoder.weight', 'dense' in inputs
        ? splits.matMulTA(dEmb, inputs.dense)
        : tokenGrad(dEmb, inputs.ids, spec.inputSize));
      grads.set('encoder.bias', tf.sum(dEmb, 0));
    }
  }
  return grads;
}

/** Gradients w.r.t. one layer's gate pre-activations, every step stacked time-major, [T·B, G·H]. */
interface LayerGateGrads {
  /** Input side. */
  readonly dGxAll: tf.Tensor;
  /** Hidden side (the same tensor except for GRU). */
  readonly dGhAll: tf.Tensor;
}

/** Backpropagates through layer l step by step, given dExt[t] w.r.t. its h after each step. */
function layerSteps(spec: ModelSpec, stepper: LayerStepper, T: number, dExt: ReadonlyArray<tf.Tensor | null>): LayerGateGrads {
  const dGx: tf.Tensor[] = new Array(T);
  const dGh: tf.Tensor[] = new Array(T);
  let dh: tf.Tensor | null = null;
  let dc: tf.Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const g = stepper.step(t, sumGrads(dExt[t], dh, stepper.add), dc);
    dGx[t] = g.dGx;
    dGh[t] = g.dGh;
    dh = g.dPrev.h;
    dc = g.dPrev.c ?? null;
  }
  const dGxAll = T === 1 ? dGx[0] : tf.concat(dGx, 0);
  return { dGxAll, dGhAll: spec.cell === 'gru' ? tf.concat(dGh, 0) : dGxAll };
}

/**
 * One layer's backward steps: step(t, dh, dc) takes the gradients w.r.t. the h (and c) after step t and
 * returns the gate gradients and the gradient w.r.t. the state entering it. The gate blocks come in the
 * order of `wih` (W_ih as the gate gradients multiply it); `toPytorch` reorders the gate rows of a result
 * ([G·H] or [G·H, n]) into PyTorch's order.
 */
export interface LayerStepper {
  step(t: number, dh: tf.Tensor, dc: tf.Tensor | null): CellGrads;
  readonly wih: tf.Tensor;
  toPytorch(x: tf.Tensor): tf.Tensor;
  /** Adds two gradients of the same shape (the fused path's native op). */
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/**
 * The stepper of layer l: the cell's kernels on its tapes, or, for an LSTM layer that ran fused and an
 * engine with the fused kernels, the native one-step gradient kernel (one op per step for the gate
 * gradients, one matMul for the state gradient), whose gate order is i, g, f, o.
 */
export function layerStepper(cell: CellKernels, trace: ForwardTrace, l: number, w: DeviceLayer, fused?: FusedLstm): LayerStepper {
  const run = trace.fused?.[l];
  if (!run || !fused) {
    const tapes = backwardTapes(cell, trace, l);
    return { step: (t, dh, dc) => cell.back(dh, dc, tapes[t], w), wih: w.wih, toPytorch: (x) => x, add: (a, b) => tf.add(a, b) };
  }
  const stacked = w.stacked;
  if (!stacked) throw new Error('internal: a fused layer without stacked weights');
  const { blocks } = run;
  const [T, B, H] = blocks.h.shape as [number, number, number];
  const [i, f, g, o, c, tc] = [blocks.i, blocks.f, blocks.g, blocks.o, blocks.c, blocks.tc]
    .map((k) => (T === 1 ? [tf.squeeze(k, [0])] : tf.unstack(k)));
  const c0 = trace.initial[l].c as tf.Tensor;
  const kernel = fused.stepBackward(B, H);
  let order: tf.Tensor | undefined;
  return {
    step(t, dh, dc) {
      const r = kernel({ i: i[t], f: f[t], g: g[t], o: o[t], c: c[t], tc: tc[t] }, t > 0 ? c[t - 1] : c0, dc, dh);
      return { dGx: r.dGates, dGh: r.dGates, dPrev: { h: fused.ops.matMul(r.dGates, stacked.whhGateOrder), c: r.dcPrev } };
    },
    add: fused.ops.add,
    wih: stacked.wihGateOrder,
    toPytorch: (x) => tf.gather(x, order ??= tf.tensor1d(swapGateBlocks(H), 'int32'), 0),
  };
}

/** The gradient w.r.t. a step's h: from outside the layer, from the next step, or both. */
function sumGrads(ext: tf.Tensor | null, dh: tf.Tensor | null, add: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
  const sum = ext && dh ? add(ext, dh) : (ext ?? dh);
  if (!sum) throw new Error('internal: no gradient reaches the last step');
  return sum;
}

/**
 * The backward pass of a trace whose LSTM layers ran fused (ForwardTrace.fused), one op per layer, given
 * the gradient w.r.t. the top layer's h at steps lossFrom..T−1, dTop [(T−lossFrom)·B, H]. Returns the
 * gradient of every parameter by PyTorch name.
 */
export function fusedBackwardWindow(spec: ModelSpec, p: DeviceParams, fused: FusedLstm, inputs: DeviceInputs,
  trace: ForwardTrace, dTop: tf.Tensor, lossFrom: number, tokenGrad: TokenWeightGrad): Map<string, tf.Tensor> {
  const runs = trace.fused;
  if (!runs) throw new Error('internal: the trace did not run fused');
  const grads = new Map<string, tf.Tensor>();
  const T = trace.steps;
  const B = trace.batch;
  const H = spec.hiddenSize;
  const GH = 4 * H;
  const loss = tf.reshape(dTop, [T - lossFrom, B, H]);
  let hGrad = lossFrom === 0 ? loss : tf.concat([tf.zeros([lossFrom, B, H]), loss], 0);
  for (let l = spec.layers - 1; l >= 0; l--) {
    const { w, b } = p.layers[l].stacked as { w: tf.Tensor; b: tf.Tensor };
    const { x, blocks } = runs[l];
    const g = fused.backward(x, trace.initial[l].h, trace.initial[l].c as tf.Tensor, w, b, blocks, hGrad);
    const I = x.shape[2] as number;
    grads.set(`rnn.weight_hh_l${l}`, tf.transpose(tf.slice(g.dw, [I, 0], [H, GH])));
    grads.set(`rnn.bias_hh_l${l}`, g.db);
    if (l === 0 && trace.folded) {
      unfoldEncoderGrads(grads, p, tf.slice(g.dw, [0, 0], [I, GH]), g.db);
      return grads;
    }
    grads.set(`rnn.weight_ih_l${l}`, tf.transpose(tf.slice(g.dw, [0, 0], [I, GH])));
    grads.set(`rnn.bias_ih_l${l}`, g.db);
    hGrad = g.dx;
  }
  if (trace.embedded) {
    const dEmb = tf.reshape(hGrad, [T * B, spec.embedSize as number]);
    grads.set('encoder.weight', 'dense' in inputs
      ? tf.matMul(tf.transpose(dEmb), inputs.dense)
      : tokenGrad(dEmb, inputs.ids, spec.inputSize));
    grads.set('encoder.bias', tf.sum(dEmb, 0));
  }
  return grads;
}

/**
 * The gradients of W_ih (layer 0), b_ih (layer 0) and the encoder, from those of the folded weight
 * P = Eᵀ·W_ihᵀ (dP [inputSize, 4H]) and of the folded bias b = b_ih + b_hh + b_E·W_ihᵀ (db [4H])
 * (foldsEncoder): dW_ih = dPᵀ·Eᵀ + db⊗b_E, dE = W_ihᵀ·dPᵀ, db_E = db·W_ih, db_ih = db.
 */
function unfoldEncoderGrads(grads: Map<string, tf.Tensor>, p: DeviceParams, dP: tf.Tensor, db: tf.Tensor): void {
  const w = p.layers[0];
  if (!p.encWT || !p.encB) throw new Error('internal: no encoder to unfold');
  const GH = w.wih.shape[0] as number;
  const dbCol = tf.reshape(db, [GH, 1]);
  grads.set('rnn.weight_ih_l0', tf.add(tf.matMul(dP, p.encWT, true, false), tf.matMul(dbCol, p.encB)));
  grads.set('rnn.bias_ih_l0', db);
  grads.set('encoder.weight', tf.matMul(w.wih, dP, true, true));
  grads.set('encoder.bias', tf.matMul(tf.reshape(db, [1, GH]), w.wih));
}
