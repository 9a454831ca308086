import * as tf from '@tensorflow/tfjs-core';
import { cellInputSize, gateCount, type ModelSpec } from '../../model/model-spec';
import { param, type ParamSet } from '../../model/param-set';
import { swapGateBlocks } from './fused-lstm';

/**
 * One recurrent layer's weights on the device, in the orientations the kernels use, so that no matMul
 * needs a transpose flag (wasm's slow path): `*T` are transposed once per params version.
 */
export interface DeviceLayer {
  /** weight_ih transposed: [in, G·H] (forward input projection). */
  readonly wihT: tf.Tensor;
  /** weight_ih as stored: [G·H, in] (input gradient dX = dGates·W_ih). */
  readonly wih: tf.Tensor;
  /** weight_hh transposed: [H, G·H] (forward recurrence). */
  readonly whhT: tf.Tensor;
  /** weight_hh as stored: [G·H, H] (state gradient dh = dGates·W_hh). */
  readonly whh: tf.Tensor;
  /**
   * Bias added to the input projection, [1, G·H]: b_ih + b_hh for LSTM and RNN (they only ever appear
   * summed); b_ih alone for GRU.
   */
  readonly biasX: tf.Tensor;
  /** GRU only: b_hh [1, 3H] (its n block is gated by r). */
  readonly biasH?: tf.Tensor;
  /**
   * LSTM on the fused path only (fused-lstm.ts): [W_ihᵀ; W_hhᵀ], [in + H, 4H], and b_ih + b_hh, [4H].
   * Layer 0 with the encoder folded in (foldsEncoder) reads the model input instead, with the encoder's
   * weights multiplied in: [Eᵀ·W_ihᵀ; W_hhᵀ] and b_ih + b_hh + b_E·W_ihᵀ.
   */
  readonly stacked?: StackedLstm;
}

/** See DeviceLayer.stacked. */
export interface StackedLstm {
  readonly w: tf.Tensor;
  readonly b: tf.Tensor;
  /** W_hh [4H, H] and W_ih [4H, in] with their gate blocks in the one-step gradient kernel's order i, g, f, o. */
  readonly whhGateOrder: tf.Tensor;
  readonly wihGateOrder: tf.Tensor;
}

/** Every parameter of one model on the device. */
export interface DeviceParams {
  /** encoder.weight transposed: [inputSize, E]; absent without an encoder. */
  readonly encWT?: tf.Tensor;
  /** encoder.bias [1, E]. */
  readonly encB?: tf.Tensor;
  readonly layers: readonly DeviceLayer[];
  /** decoder.weight transposed: [H, C]. */
  readonly decWT: tf.Tensor;
  /** decoder.weight as stored: [C, H]. */
  readonly decW: tf.Tensor;
  /** decoder.bias [1, C]. */
  readonly decB: tf.Tensor;
  /** Every tensor above, for disposal. */
  readonly all: readonly tf.Tensor[];
}

/**
 * Whether the fused path folds the linear encoder into layer 0: the encoder has no nonlinearity, so
 * W_ih·(E·x + b_E) = (W_ih·E)·x + W_ih·b_E, and the layer can read the model input directly. It pays
 * when the input (or the one-hot of a token) is no wider than the embedding: the per-step products and
 * the weight gradients then run over inputSize columns instead of embedSize, and the gradients of W_ih
 * and of the encoder come from the small [inputSize, 4H] gradient of the folded weight.
 */
export function foldsEncoder(spec: ModelSpec): boolean {
  return spec.cell === 'lstm' && spec.embedSize !== undefined && spec.inputSize <= spec.embedSize;
}

/**
 * Uploads `params` for `spec` on the active backend (the caller disposes `all`); `stacked`: also the
 * stacked LSTM weights of the fused path.
 */
export function uploadParams(spec: ModelSpec, params: ParamSet, stacked = false): DeviceParams {
  const H = spec.hiddenSize;
  const GH = gateCount(spec.cell) * H;
  const all: tf.Tensor[] = [];
  const keep = <T extends tf.Tensor>(t: T): T => { all.push(tf.keep(t)); return t; };
  const matrix = (name: string, rows: number, cols: number): tf.Tensor => {
    const p = param(params, name);
    if (p.data.length !== rows * cols) throw new RangeError(`${name}: expected ${rows}×${cols} values, got ${p.data.length}`);
    return tf.tensor2d(p.data, [rows, cols]);
  };
  const row = (name: string, n: number): tf.Tensor => matrix(name, 1, n);
  const keepAll = (st: StackedLstm): StackedLstm => ({ w: keep(st.w), b: keep(st.b), whhGateOrder: keep(st.whhGateOrder), wihGateOrder: keep(st.wihGateOrder) });

  let device!: DeviceParams;
  tf.tidy(() => {
    let encWT: tf.Tensor | undefined;
    let encB: tf.Tensor | undefined;
    if (spec.embedSize !== undefined) {
      encWT = keep(tf.transpose(matrix('encoder.weight', spec.embedSize, spec.inputSize)));
      encB = keep(row('encoder.bias', spec.embedSize));
    }
    const layers: DeviceLayer[] = [];
    for (let l = 0; l < spec.layers; l++) {
      const inSize = l === 0 ? cellInputSize(spec) : H;
      const wih = keep(matrix(`rnn.weight_ih_l${l}`, GH, inSize));
      const whh = keep(matrix(`rnn.weight_hh_l${l}`, GH, H));
      const bih = row(`rnn.bias_ih_l${l}`, GH);
      const bhh = row(`rnn.bias_hh_l${l}`, GH);
      const wihT = keep(tf.transpose(wih));
      const whhT = keep(tf.transpose(whh));
      const biasX = keep(spec.cell === 'gru' ? bih : tf.add(bih, bhh));
      layers.push({
        wih, whh, wihT, whhT, biasX,
        ...(spec.cell === 'gru' ? { biasH: keep(bhh) } : {}),
        ...(stacked && spec.cell === 'lstm' ? { stacked: keepAll(stackLstm(wih, wihT, whh, whhT, biasX, l === 0 && foldsEncoder(spec) ? { encWT, encB } : undefined)) } : {}),
      });
    }
    const decW = keep(matrix('decoder.weight', spec.outputSize, H));
    device = {
      ...(encWT && encB ? { encWT, encB } : {}),
      layers,
      decW,
      decWT: keep(tf.transpose(decW)),
      decB: keep(row('decoder.bias', spec.outputSize)),
      all,
    };
  });
  return device;
}

/** The stacked weights of one LSTM layer on the fused path, with the encoder folded in if given. */
function stackLstm(wih: tf.Tensor, wihT: tf.Tensor, whh: tf.Tensor, whhT: tf.Tensor, biasX: tf.Tensor,
  encoder?: { encWT?: tf.Tensor; encB?: tf.Tensor }): StackedLstm {
  const GH = wihT.shape[1] as number;
  const order = tf.tensor1d(swapGateBlocks(GH / 4), 'int32');
  const gateOrder = { whhGateOrder: tf.gather(whh, order, 0), wihGateOrder: tf.gather(wih, order, 0) };
  if (!encoder?.encWT || !encoder.encB) {
    return { w: tf.concat([wihT, whhT], 0), b: tf.reshape(biasX, [GH]), ...gateOrder };
  }
  return {
    w: tf.concat([tf.matMul(encoder.encWT, wihT), whhT], 0),
    b: tf.reshape(tf.add(biasX, tf.matMul(encoder.encB, wihT)), [GH]),
    ...gateOrder,
  };
}

/**
 * Device copies of recently used ParamSets, keyed by identity and checked against `version` (bumped by
 * whoever mutates the host data). A stale copy is disposed and uploaded again; at most `capacity` sets
 * are kept (least recently used goes first).
 */
export class DeviceParamCache {
  private readonly entries = new Map<ParamSet, { version: number; specKey: string; device: DeviceParams }>();

  /** `stacked`: upload the stacked LSTM weights of the fused path too. */
  constructor(private readonly stacked = false, private readonly capacity = 4) {}

  /** The device copy of `params` at its current version. */
  get(spec: ModelSpec, params: ParamSet): DeviceParams {
    const specKey = JSON.stringify([spec.cell, spec.layers, spec.inputSize, spec.inputKind, spec.embedSize,
      spec.hiddenSize, spec.outputSize]);
    const hit = this.entries.get(params);
    if (hit && hit.version === params.version && hit.specKey === specKey) {
      this.entries.delete(params);
      this.entries.set(params, hit);
      return hit.device;
    }
    if (hit) this.evict(params);
    const device = uploadParams(spec, params, this.stacked);
    this.entries.set(params, { version: params.version, specKey, device });
    while (this.entries.size > this.capacity) this.evict(this.entries.keys().next().value as ParamSet);
    return device;
  }

  /** Disposes every device copy. */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.evict(key);
  }

  private evict(key: ParamSet): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    tf.dispose(e.device.all as tf.Tensor[]);
  }
}
