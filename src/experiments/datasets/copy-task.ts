import type { Rng } from '../../util/rng';

/** Token ids of the copy task: 0 blank, 1 start marker, 2..5 payload (6 classes). */
export const COPY_CLASSES = 6;

export interface CopyTaskOptions {
  /** Steps per stream. */
  readonly steps: number;
  /** Parallel streams (columns). */
  readonly streams: number;
  /** Segment length m (fixed), or the upper end of the range when `minLength` is given. */
  readonly maxLength: number;
  /** Lower end of a variable segment length m ∈ [minLength, maxLength]; omit for fixed m. */
  readonly minLength?: number;
}

/** Token streams: inputs[s][t] and targets[s][t] for stream s at step t. */
export interface TokenStreams {
  readonly inputs: Int32Array[];
  readonly targets: Int32Array[];
}

/**
 * The synthetic copy task (method.md section 4), generated cleanly: each stream is a run of segments
 * [1, u_2..u_m] (u uniform in 2..5) followed by m steps of blanks during which the target repeats the
 * segment; targets are 0 during the input phase. Each stream starts at a random phase of its first
 * segment pair, shifted once (the reference's generator shifts repeatedly and corrupts its tails).
 */
export function generateCopyTask(options: CopyTaskOptions, rng: Rng): TokenStreams {
  const { steps, streams, maxLength } = options;
  const minLength = options.minLength ?? maxLength;
  if (minLength < 1 || maxLength < minLength) throw new RangeError('copy task: need 1 ≤ minLength ≤ maxLength');
  const inputs: Int32Array[] = [];
  const targets: Int32Array[] = [];
  for (let s = 0; s < streams; s++) {
    const shift = rng.int(2 * maxLength);
    const total = steps + shift + 2 * maxLength;
    const x = new Int32Array(total);
    const y = new Int32Array(total);
    for (let at = 0; at + 2 * maxLength <= total;) {
      const m = minLength + rng.int(maxLength - minLength + 1);
      for (let i = 0; i < m; i++) {
        const token = i === 0 ? 1 : 2 + rng.int(4);
        x[at + i] = token;
        y[at + m + i] = token;
      }
      at += 2 * m;
    }
    inputs.push(x.slice(shift, shift + steps));
    targets.push(y.slice(shift, shift + steps));
  }
  return { inputs, targets };
}
