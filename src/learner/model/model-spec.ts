/** Recurrent cell type; gate orders follow PyTorch (LSTM i,f,g,o; GRU r,z,n). */
export type CellKind = 'lstm' | 'gru' | 'rnn';
/** Output head: softmax cross-entropy over classes, or mean squared error on real values. */
export type HeadKind = 'softmax' | 'mse';
/** Dense feature vectors per step, or integer token ids (fed as one-hot vectors of size `inputSize`). */
export type InputKind = 'dense' | 'tokens';

/**
 * Architecture of one model: optional linear encoder → `layers` stacked cells → linear decoder → head.
 * Parameter names and shapes follow PyTorch's nn.Linear / nn.LSTM / nn.GRU / nn.RNN (see param-set.ts).
 */
export interface ModelSpec {
  readonly cell: CellKind;
  /** Number of stacked recurrent layers (≥ 1). */
  readonly layers: number;
  /** Features per step (dense) or vocabulary size (tokens). */
  readonly inputSize: number;
  readonly inputKind: InputKind;
  /** Encoder output size; undefined means no encoder (the cell reads the input directly). */
  readonly embedSize?: number;
  readonly hiddenSize: number;
  /** Classes (softmax) or target dimension (mse). */
  readonly outputSize: number;
  readonly head: HeadKind;
}

/** Size of the vector the first recurrent layer reads at each step. */
export function cellInputSize(spec: ModelSpec): number {
  return spec.embedSize ?? spec.inputSize;
}

/** Number of gate blocks stacked in weight_ih/weight_hh: LSTM 4, GRU 3, RNN 1. */
export function gateCount(cell: CellKind): number {
  return cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
}

/** Floats of recurrent state per stream: h (and c for LSTM) of every layer. */
export function stateSize(spec: ModelSpec): number {
  return spec.layers * spec.hiddenSize * (spec.cell === 'lstm' ? 2 : 1);
}

/** Throws a descriptive error when the spec is not a valid architecture. */
export function validateModelSpec(spec: ModelSpec): void {
  const positive = (name: string, v: unknown): void => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
      throw new RangeError(`model.${name} must be a positive integer, got ${JSON.stringify(v)}`);
    }
  };
  if (!['lstm', 'gru', 'rnn'].includes(spec.cell)) {
    throw new RangeError(`model.cell must be "lstm", "gru" or "rnn", got ${JSON.stringify(spec.cell)}`);
  }
  if (!['softmax', 'mse'].includes(spec.head)) {
    throw new RangeError(`model.head must be "softmax" or "mse", got ${JSON.stringify(spec.head)}`);
  }
  if (!['dense', 'tokens'].includes(spec.inputKind)) {
    throw new RangeError(`model.inputKind must be "dense" or "tokens", got ${JSON.stringify(spec.inputKind)}`);
  }
  positive('layers', spec.layers);
  positive('inputSize', spec.inputSize);
  positive('hiddenSize', spec.hiddenSize);
  positive('outputSize', spec.outputSize);
  if (spec.embedSize !== undefined) positive('embedSize', spec.embedSize);
}
