import type { Engine, EngineName } from './engine';

/**
 * Engine loading by name. Every engine module is imported lazily, so that a command that uses only the
 * plain-TypeScript engine never loads TensorFlow.js, and a missing optional backend (tfjs-node's native
 * addon) only removes that engine from {@link availableEngines}.
 */

/** Engines in order of preference for 'auto' (no model size is known here). */
const ENGINE_ORDER: readonly EngineName[] = ['ts', 'tfjs-node', 'tfjs-wasm'];

const factories: Record<EngineName, () => Promise<Engine>> = {
  ts: async () => (await import('./ts/ts-engine')).createTsEngine(),
  'tfjs-node': async () => (await import('./tfjs/create-tfjs-engine')).createTfjsEngine('tensorflow'),
  'tfjs-wasm': async () => (await import('./tfjs/create-tfjs-engine')).createTfjsEngine('wasm'),
};

/** Why each engine that failed to load did so (for logs). */
const loadFailures = new Map<EngineName, string>();
let available: Promise<EngineName[]> | undefined;

/**
 * The engines that load on this machine, in preference order (probed once per process; each probe
 * creates and disposes one engine).
 */
export function availableEngines(): Promise<EngineName[]> {
  available ??= (async () => {
    const found: EngineName[] = [];
    for (const name of ENGINE_ORDER) {
      try {
        (await factories[name]()).dispose();
        found.push(name);
      } catch (e) {
        loadFailures.set(name, (e as Error).message);
      }
    }
    return found;
  })();
  return available;
}

/** Why `name` is not available (undefined when it is, or has not been probed). */
export function engineLoadFailure(name: EngineName): string | undefined {
  return loadFailures.get(name);
}

/**
 * Creates the named engine, or for 'auto' the first that loads in preference order (ts first: without a
 * model size the small-model engine is the safe default). Loads only what it returns (plus any that
 * failed before it).
 * @throws when the named engine cannot be loaded here.
 */
export async function loadEngine(name: EngineName | 'auto'): Promise<Engine> {
  if (name === 'auto') {
    const reasons: string[] = [];
    for (const candidate of ENGINE_ORDER) {
      try {
        return await factories[candidate]();
      } catch (e) {
        loadFailures.set(candidate, (e as Error).message);
        reasons.push(`${candidate}: ${(e as Error).message}`);
      }
    }
    throw new Error(`no compute engine can be loaded (${reasons.join('; ')})`);
  }
  const factory = factories[name];
  if (!factory) throw new Error(`unknown engine "${String(name)}" (known: ${ENGINE_ORDER.join(', ')})`);
  return factory();
}
