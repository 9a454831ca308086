import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';

/** TensorFlow.js backends the tfjs engines run on: native libtensorflow, or WebAssembly (SIMD, 1 thread). */
export type TfjsBackendName = 'tensorflow' | 'wasm';

// tfjs-node is an optional dependency: load it by name at run time so this file compiles without it.
const requireOptional = createRequire(__filename);

/**
 * Registers and initialises a backend (idempotent), then calls `build` with a detail string for logs
 * ("tensorflow", "wasm-simd" or "wasm") while the backend is active. Rejects with the loader's reason
 * when the backend's package cannot be loaded (e.g. tfjs-node's native addon is missing).
 */
export function loadTfjsBackend<T>(backend: TfjsBackendName, build: (detail: string) => T): Promise<T> {
  // Backend initialisation is asynchronous and global to tfjs-core: one at a time (build included), or an
  // engine created meanwhile would find another backend's initialisation pending.
  const result = loading.then(async () => build(await load(backend)));
  loading = result.catch(() => undefined);
  return result;
}

let loading: Promise<unknown> = Promise.resolve();

async function load(backend: TfjsBackendName): Promise<string> {
  if (backend === 'tensorflow') {
    // libtensorflow's informational banner (CPU features) goes to stderr unless told otherwise.
    process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
    requireOptional('@tensorflow/tfjs-node');
  } else {
    await import('@tensorflow/tfjs-backend-wasm');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js backend "${backend}" failed to initialise`);
  await tf.ready();
  if (backend === 'wasm') {
    return (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'wasm-simd' : 'wasm';
  }
  return backend;
}

/**
 * Makes `backend` the active one before an engine call. Switching to an initialised backend completes
 * synchronously inside tfjs-core, so engines sharing the process can take turns.
 */
export function activateBackend(backend: TfjsBackendName): void {
  if (tf.getBackend() === backend) return;
  void tf.setBackend(backend);
  if (tf.getBackend() !== backend) throw new Error(`TensorFlow.js backend "${backend}" is not initialised`);
}
