import type { Rng } from '../../util/rng';
import { COPY_CLASSES } from '../../experiments/datasets/copy-task';

/** One step of the copy task: input token id and target class id, both in [0, {@link COPY_CLASSES}). */
export interface CopyStep {
  readonly x: number;
  readonly y: number;
}

/**
 * An endless copy-task sequence (method.md section 4; the same definition as
 * src/experiments/datasets/copy-task.ts, generated step by step so that it can stream for ever): segments
 * [1, u_2..u_m] with u_i uniform in {2..5}, targets 0, then m blank steps (x = 0) whose targets repeat the
 * segment. m is uniform in [minLength, maxLength].
 */
export function* copySteps(rng: Rng, minLength: number, maxLength: number): Generator<CopyStep> {
  if (!Number.isInteger(minLength) || minLength < 1 || maxLength < minLength) throw new RangeError('copy task: need integers 1 ≤ minLength ≤ maxLength');
  for (;;) {
    const m = minLength + rng.int(maxLength - minLength + 1);
    const segment = Array.from({ length: m }, (_, i) => (i === 0 ? 1 : 2 + rng.int(COPY_CLASSES - 2)));
    for (const x of segment) yield { x, y: 0 };
    for (const y of segment) yield { x: 0, y };
  }
}
