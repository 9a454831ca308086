import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { DeviceLayer, DeviceParams } from './device-params';
import type { CellKernels } from './tfjs-cells';
import { swapGateBlocks, type FusedLstm, type LstmBlocks } from './fused-lstm';
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
    const run = trace.fused?.[l];
    // Gate gradients of every step; the fused steps leave their gate blocks in the kernel's order, so the
    // weight gradients below come out in that order too and are reordered (rows of [4H, n]) at the end.
    const { dGxAll, dGhAll, wih, toPytorch } = run && fused
      ? fusedLayerSteps(fused, run.blocks, trace.initial[l].c as tf.Tensor, w, dExt)
      : { ...layerSteps(spec, cell, trace, l, w, dExt), wih: w.wih, toPytorch: (x: tf.Tensor) => x };
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

/** Backpropagates through layer l step by step with the cell's kernels, given dExt[t] w.r.t. its h. */
function layerSteps(spec: ModelSpec, cell: CellKernels, trace: ForwardTrace, l: number, w: DeviceLayer,
  dExt: ReadonlyArray<tf.Tensor | null>): LayerGateGrads {
  const T = trace.steps;
  const dGx: tf.Tensor[] = new Array(T);
  const dGh: tf.Tensor[] = new Array(T);
  const tapes = backwardTapes(cell, trace, l);
  let dh: tf.Tensor | null = null;
  let dc: tf.Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const dhT = sumGrads(dExt[t], dh);
    const g = cell.back(dhT, dc, tapes[t], w);
    dGx[t] = g.dGx;
    dGh[t] = g.dGh;
    dh = g.dPrev.h;
    dc = g.dPrev.c ?? null;
  }
  const dGxAll = tf.concat(dGx, 0);
  return { dGxAll, dGhAll: spec.cell === 'gru' ? tf.concat(dGh, 0) : dGxAll };
}

/**
 * The same for an LSTM layer that ran fused, with the native one-step gradient kernel (one op per step
 * for the gate gradients, one matMul for the state gradient). The gate blocks stay in the kernel's order
 * i, g, f, o: `wih` is W_ih with its rows in that order, and `toPytorch` reorders the rows of a result.
 */
function fusedLayerSteps(fused: FusedLstm, blocks: LstmBlocks, c0: tf.Tensor, w: DeviceLayer, dExt: ReadonlyArray<tf.Tensor | null>):
  LayerGateGrads & { wih: tf.Tensor; toPytorch: (x: tf.Tensor) => tf.Tensor } {
  const stacked = w.stacked;
  if (!stacked) throw new Error('internal: a fused layer without stacked weights');
  const T = blocks.h.shape[0] as number;
  const [i, f, g, o, c, tc] = [blocks.i, blocks.f, blocks.g, blocks.o, blocks.c, blocks.tc].map((k) => (T === 1 ? [tf.squeeze(k, [0])] : tf.unstack(k)));
  const [, B, H] = blocks.h.shape as [number, number, number];
  const step = fused.stepBackward(B, H);
  const dG: tf.Tensor[] = new Array(T);
  let dh: tf.Tensor | null = null;
  let dc: tf.Tensor | null = null;
  for (let t = T - 1; t >= 0; t--) {
    const r = step({ i: i[t], f: f[t], g: g[t], o: o[t], c: c[t], tc: tc[t] }, t > 0 ? c[t - 1] : c0, dc, sumGrads(dExt[t], dh));
    dG[t] = r.dGates;
    dc = r.dcPrev;
    dh = tf.matMul(r.dGates, stacked.whhGateOrder);
  }
  const dGxAll = T === 1 ? dG[0] : tf.concat(dG, 0);
  const order = tf.tensor1d(swapGateBlocks(H), 'int32');
  return { dGxAll, dGhAll: dGxAll, wih: stacked.wihGateOrder, toPytorch: (x) => tf.gather(x, order, 0) };
}

/** The gradient w.r.t. a step's h: from outside the layer, from the next step, or both. */
function sumGrads(ext: tf.Tensor | null, dh: tf.Tensor | null): tf.Tensor {
  const sum = ext && dh ? tf.add(ext, dh) : (ext ?? dh);
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
