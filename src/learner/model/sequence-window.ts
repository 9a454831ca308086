/**
 * One window of T consecutive steps for B parallel streams (time-major).
 * - dense inputs: `inputs[t]` is a Float32Array [B, inputSize];
 *   token inputs: `inputs[t]` is an Int32Array [B] of ids in [0, inputSize).
 * - softmax targets: `targets[t]` is an Int32Array [B] of class ids;
 *   mse targets: `targets[t]` is a Float32Array [B, outputSize].
 * `targets` may be shorter than `inputs` only when no loss is taken on the missing steps
 * (inference); for training it has T entries.
 */
export interface SequenceWindow {
  /** B: number of parallel streams. */
  readonly batch: number;
  /** T: number of steps. */
  readonly steps: number;
  readonly inputs: ReadonlyArray<Float32Array | Int32Array>;
  readonly targets: ReadonlyArray<Float32Array | Int32Array>;
}
