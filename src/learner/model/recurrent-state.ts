import type { ModelSpec } from './model-spec';

/**
 * Recurrent state of B streams: per layer, h as Float32Array [B, H], and for LSTM also c [B, H].
 * Always detached (plain host data): gradients never flow into a stored state.
 */
export interface RecurrentState {
  readonly h: Float32Array[];
  readonly c?: Float32Array[];
}

/** The zero state for `batch` streams. */
export function zeroState(spec: ModelSpec, batch: number): RecurrentState {
  const mk = (): Float32Array[] =>
    Array.from({ length: spec.layers }, () => new Float32Array(batch * spec.hiddenSize));
  return spec.cell === 'lstm' ? { h: mk(), c: mk() } : { h: mk() };
}

/** Deep copy. */
export function cloneState(s: RecurrentState): RecurrentState {
  const h = s.h.map((a) => new Float32Array(a));
  return s.c ? { h, c: s.c.map((a) => new Float32Array(a)) } : { h };
}
