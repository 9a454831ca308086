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
    const order = Array.from(out.keys()).sort((a, b) => out[b] - out[a]).slice(0, topK);
    prediction = order.map((c) => ({ class: c, p: round(out[c]) }));
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

function round(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : v;
}
