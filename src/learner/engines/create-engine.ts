import type { ModelSpec } from '../model/model-spec';
import { chooseEngine } from './choose-engine';
import type { Engine, EngineName } from './engine';
import { availableEngines, engineLoadFailure, loadEngine } from './load-engine';
import { nativeThreadsFor, useNativeThreads } from './native-threads';

/**
 * The engine for a model: the configured one, or for 'auto' the one {@link chooseEngine} picks among those
 * that load here. Returns the engine with a one-line reason for logs. Sizes the native runtime's thread
 * pool for the model first (native-threads.ts).
 */
export async function createEngine(spec: ModelSpec, batch: number, wanted: EngineName | 'auto'): Promise<{ engine: Engine; reason: string }> {
  const threads = useNativeThreads(nativeThreadsFor(spec, batch));
  const pool = (name: EngineName): string => (name === 'tfjs-node' ? `; TensorFlow intra-op threads: ${threads}` : '');
  if (wanted !== 'auto') return { engine: await loadEngine(wanted), reason: `configured (training.engine)${pool(wanted)}` };
  const available = await availableEngines();
  const name = chooseEngine(spec, batch, available);
  const missing = (['ts', 'tfjs-node', 'tfjs-wasm'] as EngineName[])
    .filter((e) => !available.includes(e)).map((e) => `${e} unavailable: ${engineLoadFailure(e) ?? 'not probed'}`);
  const reason = `auto: chosen for ${spec.layers}x${spec.hiddenSize} ${spec.cell}, B=${batch} among [${available.join(', ')}]${missing.length ? `; ${missing.join('; ')}` : ''}`;
  return { engine: await loadEngine(name), reason: reason + pool(name) };
}
