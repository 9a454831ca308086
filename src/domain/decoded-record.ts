import type { StepSource } from './sequence-step';

/**
 * One decoded, validated record: a key and one step's input, with the target when the record carries it.
 * x: Float32Array [inputSize] (dense) or a token id; y: class id (softmax) or Float32Array [outputSize] (mse),
 * absent for next-step prediction (the target is the key's next x).
 */
export interface DecodedRecord {
  readonly key: string;
  readonly x: Float32Array | number;
  readonly y?: Float32Array | number;
  readonly source: StepSource;
}

/** Why a record was rejected; `reason` is a stable code used as a metric label, `detail` says what was wrong. */
export interface DecodeFailure {
  readonly reason:
    | 'empty-value' | 'too-large' | 'not-utf8' | 'malformed-json' | 'not-an-object' | 'missing-field'
    | 'wrong-type' | 'non-finite' | 'wrong-dimension' | 'unknown-token' | 'missing-key' | 'too-deep'
    | 'malformed-csv' | 'unexpected-field' | 'unknown-class' | 'decoder-error';
  readonly detail: string;
}
