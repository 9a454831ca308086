import type { StepOutcome } from '../domain/sequence-step';
import type { HeadKind } from '../learner/model/model-spec';
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

/** Builds the prediction message for one step outcome; the Kafka key is the sequence key. */
export function predictionMessage(outcome: StepOutcome, head: HeadKind, topK: number, anomalyScore: number): ProducedMessage {
  const out = outcome.output;
  let prediction: PredictionValue['prediction'];
  if (head === 'softmax') {
    prediction = topClasses(out, topK).map((c) => ({ class: c, p: round(out[c]) }));
  } else {
    prediction = Array.from(out, round);
  }
  const value: PredictionValue = {
    key: outcome.key,
    ...(outcome.source ? { topic: outcome.source.topic, partition: outcome.source.partition, offset: outcome.source.offset } : {}),
    prediction, loss: round(outcome.loss), anomalyScore: round(anomalyScore),
  };
  return { key: outcome.key, value: JSON.stringify(value) };
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

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
