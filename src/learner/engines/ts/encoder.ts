import type { SequenceWindow } from '../../model/sequence-window';
import { addColumnSums, fillRows, gatherColumns, gemmAcc, scatterAddColumns, transpose } from './kernels';
import type { ModelView } from './model-view';
import type { Workspace } from './workspace';

/** The first layer's input over a window: rows t·B + b. */
export interface EncodedInputs {
  /** Dense inputs stacked [T·B, I] (null for tokens). */
  readonly x: Float32Array | null;
  /** Token ids stacked [T·B] (null for dense). */
  readonly ids: Int32Array | null;
  /** Encoder output [T·B, E] (null without encoder). */
  readonly emb: Float32Array | null;
}

/**
 * Checks and stacks the window's inputs and applies the optional linear encoder (no nonlinearity):
 * emb = x·Wᵀ + b for dense inputs; for tokens a column gather W[:, id] + b (the one-hot is never built).
 */
export function encodeInputs(view: ModelView, window: SequenceWindow, ws: Workspace): EncodedInputs {
  const { spec, I } = view;
  const B = window.batch, T = window.steps;
  if (window.inputs.length < T) throw new RangeError(`window has ${window.inputs.length} inputs for ${T} steps`);
  let x: Float32Array | null = null;
  let ids: Int32Array | null = null;
  if (spec.inputKind === 'dense') {
    x = ws.get('x', T * B * I);
    for (let t = 0; t < T; t++) {
      const xt = window.inputs[t];
      if (!(xt instanceof Float32Array) || xt.length !== B * I) {
        throw new RangeError(`inputs[${t}] must be a Float32Array of B·I = ${B * I} features`);
      }
      x.set(xt, t * B * I);
    }
  } else {
    const buf = ws.get('ids', T * B);
    ids = new Int32Array(buf.buffer, buf.byteOffset, T * B);
    for (let t = 0; t < T; t++) {
      const it = window.inputs[t];
      if (!(it instanceof Int32Array) || it.length !== B) throw new RangeError(`inputs[${t}] must be an Int32Array of B = ${B} token ids`);
      for (let b = 0; b < B; b++) {
        if (it[b] < 0 || it[b] >= I) throw new RangeError(`inputs[${t}][${b}]: token id ${it[b]} outside [0, ${I})`);
      }
      ids.set(it, t * B);
    }
  }
  let emb: Float32Array | null = null;
  const enc = view.encoder;
  if (enc) {
    emb = ws.get('emb', T * B * enc.E);
    if (x !== null && enc.wT !== null) {
      fillRows(T * B, enc.E, enc.b, emb, 0);
      gemmAcc(T * B, enc.E, I, x, 0, enc.wT, 0, emb, 0);      // [TB, I]·[I, E]
    } else if (ids !== null) {
      gatherColumns(ids, enc.E, I, enc.w, enc.b, emb, 0);
    }
  }
  return { x, ids, emb };
}

/**
 * Layer 0's input projection gx [T·B, G·H] = input·W_ihᵀ + b_ih; a column gather of W_ih when the
 * layer reads one-hot tokens directly.
 */
export function projectFirstLayer(view: ModelView, inputs: EncodedInputs, rows: number, gx: Float32Array): void {
  const L0 = view.layers[0];
  const GH = view.G * view.H;
  const input = inputs.emb ?? inputs.x;
  if (input === null) {
    gatherColumns(inputs.ids as Int32Array, GH, view.I, L0.wih, L0.bih, gx, 0);
    return;
  }
  fillRows(rows, GH, L0.bih, gx, 0);
  gemmAcc(rows, GH, L0.inSize, input, 0, L0.wihT, 0, gx, 0);  // [TB, In]·[In, GH]
}

/**
 * Backward of the input stage: given dgx0 [T·B, G·H] (layer 0's input-side gate gradients), adds the
 * gradients of rnn.weight_ih_l0 (and the encoder's, through the embedding) into `grads`.
 * `dgx0T` is dgx0 transposed [G·H, T·B] (the caller already has it for the weight product).
 */
export function inputStageBackward(view: ModelView, inputs: EncodedInputs, rows: number, dgx0: Float32Array,
  dgx0T: Float32Array, dWih0: Float32Array, encGrads: { w: Float32Array; b: Float32Array } | null, ws: Workspace): void {
  const L0 = view.layers[0];
  const GH = view.G * view.H;
  const input = inputs.emb ?? inputs.x;
  if (input === null) {
    scatterAddColumns(inputs.ids as Int32Array, GH, view.I, dgx0, 0, dWih0);
    return;
  }
  gemmAcc(GH, L0.inSize, rows, dgx0T, 0, input, 0, dWih0, 0);     // [GH, TB]·[TB, In]
  const enc = view.encoder;
  if (!enc || !encGrads) return;
  const dEmb = ws.zeros('dEmb', rows * enc.E);
  gemmAcc(rows, enc.E, GH, dgx0, 0, L0.wih, 0, dEmb, 0);          // [TB, GH]·[GH, E]
  addColumnSums(rows, enc.E, dEmb, 0, encGrads.b);
  if (inputs.ids !== null) {
    scatterAddColumns(inputs.ids, enc.E, view.I, dEmb, 0, encGrads.w);
  } else {
    const dEmbT = ws.get('dEmbT', enc.E * rows);
    transpose(rows, enc.E, dEmb, 0, dEmbT, 0);
    gemmAcc(enc.E, view.I, rows, dEmbT, 0, inputs.x as Float32Array, 0, encGrads.w, 0);  // [E, TB]·[TB, I]
  }
}
