import { availableParallelism } from 'node:os';
import type { ModelSpec } from '../model/model-spec';

/**
 * The size of the native TensorFlow runtime's intra-op thread pool (tfjs-node). Handing each op to a pool
 * of threads costs more than it saves at the sizes these models run: one LSTM window of 1×128 B=16 trains
 * at 29–30k timesteps/s on one thread against 19–22k on two, 1×128 B=32 at 31k against 26k, and
 * 1×256 B=32 alike on both (18k). From about {@link POOL_WORK} multiply-adds per step of one layer the
 * products are big enough to share: 1×512 B=64 (67M) runs at 7.7k on two threads against 5.7k on one.
 */
export function nativeThreadsFor(spec: ModelSpec, batch: number): number {
  const gates = spec.cell === 'lstm' ? 4 : spec.cell === 'gru' ? 3 : 1;
  return batch * gates * spec.hiddenSize * spec.hiddenSize >= POOL_WORK ? availableParallelism() : 1;
}

/** Multiply-adds per step of one layer from which tfjs-node's ops use every core. */
export const POOL_WORK = 16 * 1024 * 1024;

/**
 * Size of the runtime's inter-op pool, which runs the ops of a graph. Our graphs are chains (one LSTM step
 * after the other), so a second thread mostly hands work back and forth: 1x64 B=1 trained at 19.1–25.1k
 * timesteps/s on one thread using 1.01–1.10 cores, against 17.4–22.2k using 1.11–1.21 cores on TensorFlow's
 * default (a thread per core); 1x128 B=16 and 1x512 B=64 ran as fast on one (with 0.1 core less). On two
 * vCPUs shared with the event loop and the broker, that tenth of a core matters.
 */
export const INTEROP_THREADS = 1;

/**
 * Sets the pool sizes for the runtime, unless TF_NUM_INTRAOP_THREADS or TF_NUM_INTEROP_THREADS is already
 * set (the user's choice wins). TensorFlow reads them once, when tfjs-node first loads in the process,
 * from the process environment: call this on the main thread (a worker thread's process.env is its own
 * copy) before any engine loads. Returns the intra-op size in effect.
 */
export function useNativeThreads(threads: number): number {
  process.env.TF_NUM_INTRAOP_THREADS ??= String(threads);
  process.env.TF_NUM_INTEROP_THREADS ??= String(INTEROP_THREADS);
  return Number(process.env.TF_NUM_INTRAOP_THREADS);
}
