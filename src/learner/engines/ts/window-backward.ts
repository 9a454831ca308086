import { zeroParams, param, type ParamSet } from '../../model/param-set';
import type { SequenceWindow } from '../../model/sequence-window';
import { cellOps } from './cell-ops';
import { inputStageBackward } from './encoder';
import { headLossStep } from './heads';
import { addColumnSums, gemmAcc, transpose } from './kernels';
import type { ModelView } from './model-view';
import type { WindowTape } from './window-forward';
import type { Workspace } from './workspace';

/** Window loss, per-step per-stream losses and the gradients of the window loss. */
export interface WindowGradients {
  readonly loss: number;
  readonly stepLosses: Float32Array[];
  readonly grads: ParamSet;
}

/**
 * Hand-derived backward of the window loss L = mean over steps lossFrom..T−1 of the batch-mean step
 * loss. Runs layer by layer from the top: the recurrence walks back step by step, then each weight
 * gradient is one product over all T·B rows. The initial state is a constant (no gradient into it).
 * Requires the tape's decoder outputs to start at or before lossFrom.
 */
export function backwardWindow(view: ModelView, tape: WindowTape, window: SequenceWindow, lossFrom: number,
  ws: Workspace): WindowGradients {
  const { spec, H, G, C } = view;
  const { B, T } = tape;
  const GH = G * H, BH = B * H, rows = T * B;
  const ops = cellOps(spec.cell);
  const grads = zeroParams(spec);
  const g = (name: string): Float32Array => param(grads, name).data;

  // Phase 1: head — losses and dlogits [nL·B, C], scaled for the mean over nL steps and B streams.
  const nL = T - lossFrom;
  const lossRows = nL * B;
  const dlogits = ws.get('dlogits', lossRows * C);
  const stepLosses: Float32Array[] = [];
  let total = 0;
  for (let t = lossFrom; t < T; t++) {
    const target = window.targets[t];
    checkTarget(spec.head, target, B, C, t);
    const losses = new Float32Array(B);
    total += headLossStep(spec.head, B, C, tape.logits, (t - tape.decodeFrom) * B * C, target, losses,
      dlogits, (t - lossFrom) * B * C, 1 / (nL * B));
    stepLosses.push(losses);
  }
  const loss = total / (nL * B);

  // Phase 2: decoder — dW_dec[C, H] = dlogitsᵀ·h_top, db_dec = Σ rows, dh_top = dlogits·W_dec.
  const top = tape.layers[spec.layers - 1];
  const dlT = ws.get('dlogitsT', C * lossRows);
  transpose(lossRows, C, dlogits, 0, dlT, 0);
  gemmAcc(C, H, lossRows, dlT, 0, top.hs, (lossFrom + 1) * BH, g('decoder.weight'), 0);   // [C, nL·B]·[nL·B, H]
  addColumnSums(lossRows, C, dlogits, 0, g('decoder.bias'));
  let dHout = ws.zeros('dHoutA', rows * H);                                              // [T·B, H]
  let dHbelow = ws.get('dHoutB', rows * H);
  gemmAcc(lossRows, H, C, dlogits, 0, view.dw, 0, dHout, lossFrom * BH);                   // [nL·B, C]·[C, H]

  // Phase 3: the layers, top first. dHout holds the gradient w.r.t. each step's h output from above.
  const dgx = ws.get('dgx', rows * GH);                                                     // [T·B, G·H]
  const dgh = ops.separateRecurrentGrad ? ws.get('dgh', rows * GH) : dgx;
  const dgxT = ws.get('dgxT', GH * rows);                                                   // [G·H, T·B]
  const dghT = ops.separateRecurrentGrad ? ws.get('dghT', GH * rows) : dgxT;
  const dc = ws.get('dc', BH);
  for (let l = spec.layers - 1; l >= 0; l--) {
    const W = view.layers[l];
    const L = tape.layers[l];
    // 3a: recurrence, t = T−1..0; the gradient into h_{t−1} is added to dHout[t−1] (none into the initial state).
    dc.fill(0);
    for (let t = T - 1; t >= 0; t--) {
      const prev = t > 0 ? dHout : null;
      ops.backwardStep(B, H, t, L, dHout, t * BH, dc, dgx, t * B * GH, dgh, t * B * GH, prev, (t - 1) * BH);
      if (t > 0) gemmAcc(B, H, GH, dgh, t * B * GH, W.whh, 0, dHout, (t - 1) * BH);     // [B, G·H]·[G·H, H]
    }
    // 3b: weight gradients, one product each over all steps.
    const pre = `rnn.`, sfx = `_l${l}`;
    transpose(rows, GH, dgh, 0, dghT, 0);
    gemmAcc(GH, H, rows, dghT, 0, L.hs, 0, g(`${pre}weight_hh${sfx}`), 0);                // [G·H, T·B]·[T·B, H] (h_{t−1})
    addColumnSums(rows, GH, dgh, 0, g(`${pre}bias_hh${sfx}`));
    addColumnSums(rows, GH, dgx, 0, g(`${pre}bias_ih${sfx}`));
    if (ops.separateRecurrentGrad) transpose(rows, GH, dgx, 0, dgxT, 0);
    if (l > 0) {
      const below = tape.layers[l - 1];
      gemmAcc(GH, H, rows, dgxT, 0, below.hs, BH, g(`${pre}weight_ih${sfx}`), 0);        // [G·H, T·B]·[T·B, H]
      // 3c: gradient into the layer below's outputs.
      dHbelow.fill(0);
      gemmAcc(rows, H, GH, dgx, 0, W.wih, 0, dHbelow, 0);                                  // [T·B, G·H]·[G·H, H]
      [dHout, dHbelow] = [dHbelow, dHout];
    } else {
      const enc = view.encoder ? { w: g('encoder.weight'), b: g('encoder.bias') } : null;
      inputStageBackward(view, tape.inputs, rows, dgx, dgxT, g(`${pre}weight_ih${sfx}`), enc, ws);
    }
  }
  return { loss, stepLosses, grads };
}

/** Throws unless `target` is the right kind and size for step t. */
export function checkTarget(head: 'softmax' | 'mse', target: Float32Array | Int32Array | undefined, B: number, C: number,
  t: number): asserts target is Float32Array | Int32Array {
  if (head === 'softmax') {
    if (!(target instanceof Int32Array) || target.length !== B) throw new RangeError(`targets[${t}] must be an Int32Array of B = ${B} class ids`);
  } else if (!(target instanceof Float32Array) || target.length !== B * C) {
    throw new RangeError(`targets[${t}] must be a Float32Array of B·C = ${B * C} values`);
  }
}
