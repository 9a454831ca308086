import { cellInputSize, gateCount, type ModelSpec } from './model-spec';

/** A float32 tensor on the host: row-major data with its shape. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/**
 * Model parameters by PyTorch name, in the canonical order of {@link paramShapes}.
 * `version` is bumped by whoever mutates the data in place (optimizers), so engines that keep
 * device copies know when to upload again.
 */
export interface ParamSet {
  readonly tensors: Map<string, HostTensor>;
  version: number;
}

/** Names and shapes of every parameter, in canonical order (encoder, rnn layers, decoder). */
export function paramShapes(spec: ModelSpec): Array<[string, number[]]> {
  const out: Array<[string, number[]]> = [];
  const H = spec.hiddenSize;
  const G = gateCount(spec.cell);
  if (spec.embedSize !== undefined) {
    out.push(['encoder.weight', [spec.embedSize, spec.inputSize]]);
    out.push(['encoder.bias', [spec.embedSize]]);
  }
  for (let l = 0; l < spec.layers; l++) {
    const inSize = l === 0 ? cellInputSize(spec) : H;
    out.push([`rnn.weight_ih_l${l}`, [G * H, inSize]]);
    out.push([`rnn.weight_hh_l${l}`, [G * H, H]]);
    out.push([`rnn.bias_ih_l${l}`, [G * H]]);
    out.push([`rnn.bias_hh_l${l}`, [G * H]]);
  }
  out.push(['decoder.weight', [spec.outputSize, H]]);
  out.push(['decoder.bias', [spec.outputSize]]);
  return out;
}

/** Product of a shape's dimensions. */
export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** A ParamSet of zeros with the spec's names and shapes (also the shape of a gradient). */
export function zeroParams(spec: ModelSpec): ParamSet {
  const tensors = new Map<string, HostTensor>();
  for (const [name, shape] of paramShapes(spec)) {
    tensors.set(name, { shape, data: new Float32Array(sizeOf(shape)) });
  }
  return { tensors, version: 0 };
}

/** Deep copy (new Float32Arrays). */
export function cloneParams(p: ParamSet): ParamSet {
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of p.tensors) tensors.set(name, { shape: [...t.shape], data: new Float32Array(t.data) });
  return { tensors, version: p.version };
}

/** The tensor named `name`; throws if absent. */
export function param(p: ParamSet, name: string): HostTensor {
  const t = p.tensors.get(name);
  if (!t) throw new Error(`parameter ${name} is missing`);
  return t;
}

/** Total number of scalar parameters. */
export function paramCount(p: ParamSet): number {
  let n = 0;
  for (const t of p.tensors.values()) n += t.data.length;
  return n;
}
