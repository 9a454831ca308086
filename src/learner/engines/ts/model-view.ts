import { cellInputSize, gateCount, type ModelSpec } from '../../model/model-spec';
import { param, type ParamSet } from '../../model/param-set';
import { transpose } from './kernels';
import type { Workspace } from './workspace';

/** One recurrent layer's weights, with the transposed copies the forward products need. */
export interface LayerWeights {
  /** Input size of this layer (In). */
  readonly inSize: number;
  /** weight_ih [G·H, In] and its transpose [In, G·H]. */
  readonly wih: Float32Array;
  readonly wihT: Float32Array;
  /** weight_hh [G·H, H] and its transpose [H, G·H]. */
  readonly whh: Float32Array;
  readonly whhT: Float32Array;
  /** bias_ih, bias_hh [G·H]. */
  readonly bih: Float32Array;
  readonly bhh: Float32Array;
}

/** The parameters of one model arranged for the kernels (sizes: B streams, H hidden, G gates, C outputs). */
export interface ModelView {
  readonly spec: ModelSpec;
  readonly H: number;
  readonly G: number;
  readonly C: number;
  /** I: features (dense) or vocabulary size (tokens). */
  readonly I: number;
  /** encoder.weight [E, I], its transpose [I, E] (dense inputs only), encoder.bias [E]; absent without encoder. */
  readonly encoder?: { readonly E: number; readonly w: Float32Array; readonly wT: Float32Array | null; readonly b: Float32Array };
  readonly layers: readonly LayerWeights[];
  /** decoder.weight [C, H], its transpose [H, C], decoder.bias [C]. */
  readonly dw: Float32Array;
  readonly dwT: Float32Array;
  readonly db: Float32Array;
}

/**
 * Reads and shape-checks the parameters and writes the transposed weights into workspace buffers.
 * Transposing costs one pass over the weights per call, negligible next to a window, and keeps the
 * engine correct even when a caller mutates the params without bumping their version.
 */
export function buildModelView(spec: ModelSpec, params: ParamSet, ws: Workspace): ModelView {
  const H = spec.hiddenSize;
  const G = gateCount(spec.cell);
  const C = spec.outputSize;
  const I = spec.inputSize;
  const get = (name: string, shape: number[]): Float32Array => {
    const t = param(params, name);
    if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]) || t.data.length !== shape.reduce((a, b) => a * b, 1)) {
      throw new RangeError(`parameter ${name} has shape [${t.shape.join(', ')}], the model needs [${shape.join(', ')}]`);
    }
    return t.data;
  };
  let encoder: ModelView['encoder'];
  if (spec.embedSize !== undefined) {
    const E = spec.embedSize;
    const w = get('encoder.weight', [E, I]);
    let wT: Float32Array | null = null;
    if (spec.inputKind === 'dense') {
      wT = ws.get('encoder.wT', I * E);
      transpose(E, I, w, 0, wT, 0);
    }
    encoder = { E, w, wT, b: get('encoder.bias', [E]) };
  }
  const layers: LayerWeights[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const inSize = l === 0 ? cellInputSize(spec) : H;
    const wih = get(`rnn.weight_ih_l${l}`, [G * H, inSize]);
    const whh = get(`rnn.weight_hh_l${l}`, [G * H, H]);
    // Layer 0 reading one-hot tokens gathers columns of weight_ih directly; no transpose needed.
    const needsWihT = !(l === 0 && spec.inputKind === 'tokens' && spec.embedSize === undefined);
    const wihT = ws.get(`wihT${l}`, needsWihT ? inSize * G * H : 0);
    if (needsWihT) transpose(G * H, inSize, wih, 0, wihT, 0);
    const whhT = ws.get(`whhT${l}`, H * G * H);
    transpose(G * H, H, whh, 0, whhT, 0);
    layers.push({
      inSize, wih, wihT, whh, whhT,
      bih: get(`rnn.bias_ih_l${l}`, [G * H]),
      bhh: get(`rnn.bias_hh_l${l}`, [G * H]),
    });
  }
  const dw = get('decoder.weight', [C, H]);
  const dwT = ws.get('decoder.wT', H * C);
  transpose(C, H, dw, 0, dwT, 0);
  return { spec, H, G, C, I, encoder, layers, dw, dwT, db: get('decoder.bias', [C]) };
}
