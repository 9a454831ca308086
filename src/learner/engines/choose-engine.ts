import type { EngineName } from './engine';
import type { ModelSpec } from '../model/model-spec';

/**
 * The engine 'auto' picks for a model and batch size among the available ones (engine-notes.md and
 * `npm run bench`). The work measure is multiply-adds per step of one layer's recurrent matmul, B·G·H²:
 * - below {@link LARGE_WORK} over all layers, per-op dispatch dominates tfjs, and the TypeScript kernels win;
 * - LSTM from {@link LSTM_GRAPH_WORK} over all layers: the native runtime, which trains a window as one
 *   graph (graph/lstm-train-graph.ts; side by side, timesteps/s native against TypeScript: 1×32 B=1
 *   21k/38k, 2×32 B=1 15.4k/14.3k, 1×16 B=8 160k/104k, 1×32 B=4 72k/45k, 1×64 B=1 17.5k/9.0k, 1×48 B=2
 *   28k/11.5k); with its fused kernels alone (no graph) it won only from LARGE_WORK on (native against wasm:
 *   2×50 B=64 78k/24k, 1×96 B=16 37k/17k, 1×128 B=8 13.5k/11.8k, 1×256 B=8 7.5k/4.7k);
 * - GRU and tanh RNN up to {@link NATIVE_WORK} per layer: wasm SIMD, whose per-op cost is lower than the
 *   native runtime's (measured on LSTMs before the fused kernels: 2×64 B=32 10.5k against 5.8k, 1×96 B=16
 *   16.0k against 12.6k, 1×128 B=8 9.9k against 7.3k); above it the native runtime (1×64 B=64 39k against
 *   29k, 2×50 B=128 20k against 15k, 1×256 B=32 10.2k against 4.9k).
 */
export function chooseEngine(spec: ModelSpec, batch: number, available: readonly EngineName[]): EngineName {
  if (available.length === 0) throw new Error('no compute engine is available');
  const gates = spec.cell === 'lstm' ? 4 : spec.cell === 'gru' ? 3 : 1;
  const perLayer = batch * gates * spec.hiddenSize * spec.hiddenSize;
  const lstmGraph = spec.cell === 'lstm' && perLayer * spec.layers >= LSTM_GRAPH_WORK && available.includes('tfjs-node');
  const prefer: EngineName[] = lstmGraph ? ['tfjs-node']
    : perLayer * spec.layers < LARGE_WORK ? ['ts', 'tfjs-node', 'tfjs-wasm']
    : perLayer < NATIVE_WORK && spec.cell !== 'lstm' ? ['tfjs-wasm', 'tfjs-node', 'ts']
      : ['tfjs-node', 'tfjs-wasm', 'ts'];
  return prefer.find((e) => available.includes(e)) ?? available[0];
}

/** LSTM: multiply-adds per step (all layers) from which the native runtime's training graph beats the TypeScript kernels. */
export const LSTM_GRAPH_WORK = 8 * 1024;

/** Multiply-adds per step (all layers) above which tfjs (native or wasm) beats the TypeScript kernels. */
export const LARGE_WORK = 256 * 1024;

/** GRU and RNN: multiply-adds per step of one layer from which the native runtime beats wasm (between 640k and 1M measured). */
export const NATIVE_WORK = 768 * 1024;
