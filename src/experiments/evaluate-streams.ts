import type { Engine } from '../learner/engines/engine';
import type { ModelSpec } from '../learner/model/model-spec';
import type { ParamSet } from '../learner/model/param-set';
import { zeroState, type RecurrentState } from '../learner/model/recurrent-state';
import type { TokenStreams } from './datasets/copy-task';

/** Forward-only evaluation of a token model over parallel streams. */
export interface StreamEvaluation {
  /** Mean cross-entropy per step and stream, in nats. */
  readonly meanLoss: number;
  /** exp(meanLoss). */
  readonly perplexity: number;
  /** meanLoss / ln 2 (bits per token; bits per character for a character model). */
  readonly bitsPerToken: number;
  /** Steps × streams scored. */
  readonly count: number;
}

/** Probabilities below this are floored before the log (float32 softmax can underflow to 0). */
export const MIN_PROBABILITY = 1e-30;

/**
 * Evaluates `params` on `data` (S streams of equal length, time along each stream): every stream starts
 * from the zero state, the state is carried across chunks of `chunkSteps` steps, nothing is trained.
 * The loss of one step is −log p(target) from the head's softmax probabilities.
 */
export function evaluateStreams(engine: Engine, spec: ModelSpec, params: ParamSet, data: TokenStreams,
  chunkSteps = 100): StreamEvaluation {
  const S = data.inputs.length;
  if (S === 0) throw new RangeError('evaluateStreams: no streams');
  const steps = data.inputs[0].length;
  const C = spec.outputSize;
  let state: RecurrentState = zeroState(spec, S);
  let total = 0;
  for (let t0 = 0; t0 < steps; t0 += chunkSteps) {
    const T = Math.min(chunkSteps, steps - t0);
    const inputs: Int32Array[] = [];
    for (let t = 0; t < T; t++) inputs.push(Int32Array.from(data.inputs, (col) => col[t0 + t])); // [S] per step
    const out = engine.forward(spec, params, { batch: S, steps: T, inputs, targets: [] }, state, { outputsFrom: 0 });
    for (let t = 0; t < T; t++) {
      const probs = out.outputs[t]; // [S, C]
      for (let s = 0; s < S; s++) total -= Math.log(Math.max(MIN_PROBABILITY, probs[s * C + data.targets[s][t0 + t]]));
    }
    state = out.finalState;
  }
  const count = steps * S;
  const meanLoss = total / count;
  return { meanLoss, perplexity: Math.exp(meanLoss), bitsPerToken: meanLoss / Math.LN2, count };
}
