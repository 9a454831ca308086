import type { Engine } from '../engine';
import { loadTfjsBackend, type TfjsBackendName } from './tfjs-backend';
import { TfjsEngine, type TfjsEngineOptions } from './tfjs-engine';

/**
 * A TensorFlow.js engine: 'tensorflow' (@tensorflow/tfjs-node, native libtensorflow; engine name
 * "tfjs-node") or 'wasm' (@tensorflow/tfjs-backend-wasm, SIMD, one thread; "tfjs-wasm"). Rejects with the
 * loader's reason when the backend cannot be loaded (tfjs-node is an optional dependency whose native
 * addon may be missing; scripts/setup/30-tfjs-node.sh builds it).
 */
export function createTfjsEngine(backend: TfjsBackendName, options: TfjsEngineOptions = {}): Promise<Engine> {
  return loadTfjsBackend(backend, (detail) => new TfjsEngine(backend, detail, options));
}
