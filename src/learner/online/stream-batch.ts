import type { ModelSpec } from '../model/model-spec';
import { stateSize } from '../model/model-spec';
import type { RecurrentState } from '../model/recurrent-state';
import type { SequenceWindow } from '../model/sequence-window';
import type { KeyHistory } from './key-history';

/**
 * Packs the per-stream state vectors ([h of layers.., c of layers..], one per stream) into a batched
 * RecurrentState (per layer [B, H]).
 */
export function packStates(spec: ModelSpec, states: readonly Float32Array[]): RecurrentState {
  const B = states.length;
  const H = spec.hiddenSize;
  const L = spec.layers;
  const mk = (offset: number): Float32Array[] =>
    Array.from({ length: L }, (_, l) => {
      const out = new Float32Array(B * H);
      for (let b = 0; b < B; b++) out.set(states[b].subarray((offset + l) * H, (offset + l + 1) * H), b * H);
      return out;
    });
  return spec.cell === 'lstm' ? { h: mk(0), c: mk(L) } : { h: mk(0) };
}

/** The inverse of {@link packStates}: stream b's state vector. */
export function unpackState(spec: ModelSpec, state: RecurrentState, b: number): Float32Array {
  const H = spec.hiddenSize;
  const L = spec.layers;
  const out = new Float32Array(stateSize(spec));
  for (let l = 0; l < L; l++) {
    out.set(state.h[l].subarray(b * H, (b + 1) * H), l * H);
    if (state.c) out.set(state.c[l].subarray(b * H, (b + 1) * H), (L + l) * H);
  }
  return out;
}

/**
 * A time-major window over `keys`, stream b covering positions starts[b] .. starts[b] + steps − 1 of
 * its history. Targets are included for every step.
 */
export function gatherWindow(spec: ModelSpec, keys: readonly KeyHistory[], starts: readonly number[], steps: number): SequenceWindow {
  const B = keys.length;
  const inputs: Array<Float32Array | Int32Array> = [];
  const targets: Array<Float32Array | Int32Array> = [];
  for (let t = 0; t < steps; t++) {
    const x = spec.inputKind === 'dense' ? new Float32Array(B * spec.inputSize) : new Int32Array(B);
    const y = spec.head === 'mse' ? new Float32Array(B * spec.outputSize) : new Int32Array(B);
    for (let b = 0; b < B; b++) {
      keys[b].copyInput(starts[b] + t, x, b);
      keys[b].copyTarget(starts[b] + t, y, b);
    }
    inputs.push(x);
    targets.push(y);
  }
  return { batch: B, steps, inputs, targets };
}
