/** TBPTT(k1, k2) schemes (method.md section 3). */
export type TbpttScheme = 'paper' | 'classic';

/** k1: new steps (with losses) per window; k2: window length (the backward reaches at most k2 steps). */
export interface WindowPlan {
  readonly newSteps: number;
  readonly length: number;
}

/** paper: k1 = K, k2 = 2K − 1 (losses on the last K); classic: k1 = k2 = K. */
export function windowPlan(scheme: TbpttScheme, k: number): WindowPlan {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`truncation length K must be a positive integer, got ${k}`);
  return scheme === 'paper' ? { newSteps: k, length: 2 * k - 1 } : { newSteps: k, length: k };
}

/**
 * Where the window that trains steps [firstNew, firstNew + k1) starts: k2 − k1 steps of context before
 * the first new step, but never before position 0 (the stream's first windows are shorter).
 */
export function windowStart(plan: WindowPlan, firstNew: number): number {
  return Math.max(0, firstNew - (plan.length - plan.newSteps));
}
