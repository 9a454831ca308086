import * as tf from '@tensorflow/tfjs-core';
import { cellInputSize, gateCount, type ModelSpec } from '../../model/model-spec';
import { param, type ParamSet } from '../../model/param-set';

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

/** Uploads `params` for `spec` on the active backend (the caller disposes `all`). */
export function uploadParams(spec: ModelSpec, params: ParamSet): DeviceParams {
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
      layers.push({
        wih, whh,
        wihT: keep(tf.transpose(wih)),
        whhT: keep(tf.transpose(whh)),
        biasX: keep(spec.cell === 'gru' ? bih : tf.add(bih, bhh)),
        ...(spec.cell === 'gru' ? { biasH: keep(bhh) } : {}),
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

/**
 * Device copies of recently used ParamSets, keyed by identity and checked against `version` (bumped by
 * whoever mutates the host data). A stale copy is disposed and uploaded again; at most `capacity` sets
 * are kept (least recently used goes first).
 */
export class DeviceParamCache {
  private readonly entries = new Map<ParamSet, { version: number; specKey: string; device: DeviceParams }>();

  constructor(private readonly capacity = 4) {}

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
    const device = uploadParams(spec, params);
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
