import { paramShapes } from '../../../model/param-set';
import type { ModelSpec } from '../../../model/model-spec';
import { foldsEncoder } from '../device-params';
import { swapGateBlocks } from '../fused-lstm';
import { GraphBuilder, output, type GraphDtype, type TensorRef } from './graph-builder';
import { GraphOps } from './graph-ops';

/** A graph with what a session feeds and fetches, in order. */
export interface BuiltGraph {
  readonly graph: GraphBuilder;
  readonly feeds: ReadonlyArray<{ ref: TensorRef; dtype: GraphDtype }>;
  readonly fetches: readonly TensorRef[];
}

/** Whether the LSTM graphs cover the spec (LSTM layers; any input, encoder and head). */
export function lstmGraphSupports(spec: ModelSpec): boolean {
  return spec.cell === 'lstm';
}

/** The forward pass of an LSTM graph and the pieces its backward passes read. */
export interface LstmGraphForward {
  readonly g: GraphBuilder;
  readonly o: GraphOps;
  readonly feeds: Array<{ ref: TensorRef; dtype: GraphDtype }>;
  /** Token ids [T·B] int32 or dense rows [T·B, I]. */
  readonly input: TensorRef;
  /** h0, c0 [B, H] per layer. */
  readonly initial: ReadonlyArray<{ readonly h: TensorRef; readonly c: TensorRef }>;
  /** A parameter by PyTorch name (as fed, PyTorch's shape). */
  param(name: string): TensorRef;
  /** Output k of layer l's BlockLSTMV2, each [T, B, H]: i, cs, f, o, ci (the cell input g), co (tanh cs), h. */
  block(l: number, k: number): TensorRef;
  /** Layer l's input rows [T·B, in] and their width. */
  readonly layerRows: ReadonlyArray<{ readonly rows: TensorRef; readonly inSize: number }>;
  /** The one-hot rows of the tokens when layer 0 reads them (no encoder, or the encoder folded in). */
  readonly oneHot: TensorRef | undefined;
  /** The encoder runs before layer 0 (it is not folded into it). */
  readonly encoded: boolean;
  /** The encoder is folded into layer 0 (foldsEncoder). */
  readonly folded: boolean;
  /** PyTorch's gate blocks i, f, g, o to the one-step gradient kernel's i, g, f, o (and back). */
  readonly gateOrder: Int32Array;
  /** Per step, layer l's one-step gradient (LSTMBlockCellGrad) from the gradients w.r.t. its h and c after step t. */
  stepGrad(l: number, t: number, dh: TensorRef, dc: TensorRef | undefined): { dGates: TensorRef; dcPrev: TensorRef };
}

/**
 * Feeds and the forward pass of an LSTM window of T steps and B streams, the same computation as the eager
 * fused path: the encoder (folded into layer 0 when it pays, see foldsEncoder), then BlockLSTMV2 per layer.
 * Feeds, in order: the input, `extraFeeds` (e.g. the targets), h0 and c0 of each layer, then every
 * parameter in paramShapes order (PyTorch names and shapes).
 */
export function lstmGraphForward(spec: ModelSpec, T: number, B: number,
  extraFeeds: ReadonlyArray<{ name: string; dtype: GraphDtype; shape: number[] }>): LstmGraphForward & { extra: TensorRef[] } {
  if (!lstmGraphSupports(spec)) throw new Error(`internal: no graph for ${spec.cell} cells`);
  const H = spec.hiddenSize;
  const I = spec.inputSize;
  const GH = 4 * H;
  const g = new GraphBuilder();
  const o = new GraphOps(g);
  const feeds: Array<{ ref: TensorRef; dtype: GraphDtype }> = [];
  const feed = (name: string, dtype: GraphDtype, dims: number[]): TensorRef => {
    const ref = g.placeholder(name, dtype, dims);
    feeds.push({ ref, dtype });
    return ref;
  };
  const tokens = spec.inputKind === 'tokens';
  const input = tokens ? feed('ids', 'int32', [T * B]) : feed('dense', 'float32', [T * B, I]);
  const extra = extraFeeds.map((f) => feed(f.name, f.dtype, f.shape));
  const initial = Array.from({ length: spec.layers }, (_, l) => ({
    h: feed(`h0_l${l}`, 'float32', [B, H]),
    c: feed(`c0_l${l}`, 'float32', [B, H]),
  }));
  const p = new Map<string, TensorRef>();
  for (const [name, dims] of paramShapes(spec)) p.set(name, feed(`param/${name}`, 'float32', dims));
  const param = (name: string): TensorRef => {
    const ref = p.get(name);
    if (!ref) throw new Error(`internal: no parameter ${name}`);
    return ref;
  };

  const folded = foldsEncoder(spec);
  const encoded = spec.embedSize !== undefined && !folded;
  const oneHot = tokens && !encoded ? o.oneHot(input, I) : undefined;
  let rows: TensorRef;
  if (encoded) {
    const e = tokens ? o.gather(o.transpose(param('encoder.weight')), input) : o.matMul(input, param('encoder.weight'), false, true);
    rows = o.add(e, param('encoder.bias'));
  } else {
    rows = oneHot ?? input;
  }
  const zeroH = o.zeros([H]);
  const seqLen = g.constant({ dtype: 'int64', shape: [], values: [T] });
  const blocks: TensorRef[] = [];
  const layerRows: Array<{ rows: TensorRef; inSize: number }> = [];
  for (let l = 0; l < spec.layers; l++) {
    const inSize = l === 0 ? (encoded ? spec.embedSize as number : I) : H;
    const wih = param(`rnn.weight_ih_l${l}`);
    let wx = o.transpose(wih); // [in, 4H]
    let b = o.add(param(`rnn.bias_ih_l${l}`), param(`rnn.bias_hh_l${l}`));
    if (l === 0 && folded) {
      const E = spec.embedSize as number;
      wx = o.matMul(param('encoder.weight'), wih, true, true); // Eᵀ·W_ihᵀ [I, 4H]
      b = o.add(b, o.reshape(o.matMul(o.reshape(param('encoder.bias'), [1, E]), wih, false, true), [GH]));
    }
    const w = o.concat([wx, o.transpose(param(`rnn.weight_hh_l${l}`))], 0); // [in + H, 4H]
    blocks.push(g.node('BlockLSTMV2', [seqLen, o.reshape(rows, [T, B, inSize]), initial[l].c, initial[l].h, w, zeroH, zeroH, zeroH, b], {
      cell_clip: { float: 0 }, use_peephole: { bool: false }, T: { type: 'float32' },
    }));
    layerRows.push({ rows, inSize });
    rows = o.reshape(output(blocks[l], 6), [T * B, H]);
  }
  const block = (l: number, k: number): TensorRef => output(blocks[l], k);

  // The one-step gradient kernel reads only the shapes of x, h, w and b: constants with no input columns.
  const gateOrder = swapGateBlocks(H);
  const noInput = o.zeros([B, 0]);
  const wShape = o.zeros([H, GH]);
  const bShape = o.zeros([GH]);
  const zeroBH = o.zeros([B, H]);
  const steps = new Map<number, TensorRef[][]>();
  const stepped = (l: number): TensorRef[][] => {
    let s = steps.get(l);
    if (!s) {
      s = [0, 1, 2, 3, 4, 5].map((k) => o.unstack(block(l, k), T));
      steps.set(l, s);
    }
    return s;
  };
  const stepGrad = (l: number, t: number, dh: TensorRef, dc: TensorRef | undefined): { dGates: TensorRef; dcPrev: TensorRef } => {
    const [i, cs, f, og, ci, co] = stepped(l);
    const cPrev = t > 0 ? cs[t - 1] : initial[l].c;
    const grad = g.node('LSTMBlockCellGrad', [noInput, cPrev, initial[l].h, wShape, zeroH, zeroH, zeroH, bShape,
      i[t], cs[t], f[t], og[t], ci[t], co[t], dc ?? zeroBH, dh], { use_peephole: { bool: false }, T: { type: 'float32' } });
    return { dGates: output(grad, 1), dcPrev: grad };
  };
  return { g, o, feeds, input, extra, initial, param, block, layerRows, oneHot, encoded, folded, gateOrder, stepGrad };
}
