import type { StepOutcome } from '../domain/sequence-step';
import type { HeadKind } from '../learner/model/model-spec';
import { jsonNumber } from './json-number';
import type { ProducedMessage } from './produced-message';

/** The JSON value of a prediction message (one per trained step). */
export interface PredictionValue {
  readonly key: string;
  readonly topic?: string;
  readonly partition?: number;
  /** Offset of the record that completed the step (for next-step prediction: the record whose x was predicted). */
  readonly offset?: string;
  /** softmax: the top-k classes with probabilities; mse: the predicted values. */
  readonly prediction: Array<{ class: number; p: number }> | number[];
  /** The step's loss: cross-entropy in nats, or mean squared error. */
  readonly loss: number;
  /** Loss standardised by the key's running statistics (see AnomalyScorer). */
  readonly anomalyScore: number;
}

/**
 * Builds the prediction message for one step outcome; the Kafka key is the sequence key. The value is the
 * JSON of a {@link PredictionValue} (numbers to 6 significant digits, non-finite ones as null), written
 * directly: it runs for every trained step, and building the object for JSON.stringify cost twice as much.
 */
export function predictionMessage(outcome: StepOutcome, head: HeadKind, topK: number, anomalyScore: number): ProducedMessage {
  const out = outcome.output;
  let json = `{"key":${JSON.stringify(outcome.key)}`;
  const source = outcome.source;
  if (source) json += `,"topic":${JSON.stringify(source.topic)},"partition":${source.partition},"offset":${JSON.stringify(source.offset)}`;
  json += ',"prediction":[';
  if (head === 'softmax') {
    const top = topClasses(out, topK);
    for (let i = 0; i < top.length; i++) json += `${i > 0 ? ',' : ''}{"class":${top[i]},"p":${jsonNumber(out[top[i]])}}`;
  } else {
    for (let i = 0; i < out.length; i++) json += (i > 0 ? ',' : '') + jsonNumber(out[i]);
  }
  json += `],"loss":${jsonNumber(outcome.loss)},"anomalyScore":${jsonNumber(anomalyScore)}}`;
  return { key: outcome.key, value: json };
}

/**
 * The `k` most probable classes, most probable first; ties keep the lower class first. A selection over one
 * pass (no sort of every class), since it runs for every trained step.
 */
export function topClasses(out: ArrayLike<number>, k: number): number[] {
  const n = Math.min(k, out.length);
  const top: number[] = [];
  for (let c = 0; c < out.length; c++) {
    const v = out[c];
    if (top.length === n && !(v > out[top[n - 1]])) continue;
    let i = top.length < n ? top.length : n - 1;
    while (i > 0 && v > out[top[i - 1]]) {
      top[i] = top[i - 1];
      i--;
    }
    top[i] = c;
  }
  return top;
}
