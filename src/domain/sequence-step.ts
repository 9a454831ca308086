/** Where a step came from: enough to commit offsets and to tag its prediction. */
export interface StepSource {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset as a decimal string (64-bit). */
  readonly offset: string;
}

/**
 * One step of one sequence, decoded and validated: input x and target y.
 * x: Float32Array [inputSize] (dense) or a token id; y: a class id (softmax) or Float32Array [outputSize] (mse).
 */
export interface SequenceStep {
  readonly key: string;
  readonly x: Float32Array | number;
  readonly y: Float32Array | number;
  /** The record that completed this step (for next-step prediction, the record carrying y). */
  readonly source?: StepSource;
}

/** The progressive-validation result of one step: predicted before the update that learns from it. */
export interface StepOutcome {
  readonly key: string;
  readonly source?: StepSource;
  /** Softmax probabilities [C] or regression values [C]. */
  readonly output: Float32Array;
  /** Loss of this step for this key (cross-entropy in nats, or mean squared error over C). */
  readonly loss: number;
}
