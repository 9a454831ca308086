import type { Rng } from '../../util/rng';
import type { ModelSpec } from './model-spec';
import { zeroParams, type ParamSet } from './param-set';

/**
 * Initialisation schemes:
 * - `paper`: the reference implementation's: every matrix U(±√(3 / max(shape))), every vector 0.
 * - `pytorch`: PyTorch's defaults: nn.LSTM/nn.GRU/nn.RNN draw every weight and bias U(±1/√H);
 *   nn.Linear (encoder, decoder) draws weight and bias U(±1/√fan_in).
 */
export type InitScheme = 'paper' | 'pytorch';

/** Fresh parameters for `spec` drawn from `rng` (in the canonical order of paramShapes). */
export function initParams(spec: ModelSpec, scheme: InitScheme, rng: Rng): ParamSet {
  const params = zeroParams(spec);
  for (const [name, t] of params.tensors) {
    const bound = initBound(spec, scheme, name, t.shape);
    if (bound === 0) continue;
    for (let i = 0; i < t.data.length; i++) t.data[i] = rng.uniform(-bound, bound);
  }
  return params;
}

/** Half-width of the uniform distribution a parameter is drawn from (0: the parameter starts at zero). */
export function initBound(spec: ModelSpec, scheme: InitScheme, name: string, shape: readonly number[]): number {
  if (scheme === 'paper') return shape.length === 1 ? 0 : Math.sqrt(3 / Math.max(...shape));
  if (scheme !== 'pytorch') throw new RangeError(`init scheme must be "paper" or "pytorch", got ${JSON.stringify(scheme)}`);
  if (name.startsWith('rnn.')) return 1 / Math.sqrt(spec.hiddenSize);
  // nn.Linear: fan_in is the weight's second dimension, for the bias as well.
  const fanIn = name.startsWith('encoder.') ? spec.inputSize : spec.hiddenSize;
  return 1 / Math.sqrt(fanIn);
}
