import type { EngineName } from './engine';
import type { ModelSpec } from '../model/model-spec';

/**
 * The engine 'auto' picks for a model and batch size among the available ones. Per-op dispatch
 * dominates tfjs at small sizes, where plain TypeScript kernels win; large matrix work goes to the native
 * TensorFlow runtime, or to wasm SIMD when the native runtime is missing (engine-notes.md and
 * `npm run bench`). The work measure is multiply-adds per step of the recurrent matmul: B·G·H².
 */
export function chooseEngine(spec: ModelSpec, batch: number, available: readonly EngineName[]): EngineName {
  if (available.length === 0) throw new Error('no compute engine is available');
  const gates = spec.cell === 'lstm' ? 4 : spec.cell === 'gru' ? 3 : 1;
  const work = batch * gates * spec.hiddenSize * spec.hiddenSize * spec.layers;
  const prefer: EngineName[] = work >= LARGE_WORK ? ['tfjs-node', 'tfjs-wasm', 'ts'] : ['ts', 'tfjs-node', 'tfjs-wasm'];
  return prefer.find((e) => available.includes(e)) ?? available[0];
}

/** Multiply-adds per step above which tfjs (native or wasm) beats the TypeScript kernels. */
export const LARGE_WORK = 256 * 1024;
