import type { ModelSpec } from '../model/model-spec';
import { chooseEngine } from './choose-engine';
import type { Engine, EngineName } from './engine';
import { availableEngines, engineLoadFailure, loadEngine } from './load-engine';

/**
 * The engine for a model: the configured one, or for 'auto' the one {@link chooseEngine} picks among those
 * that load here. Returns the engine with a one-line reason for logs.
 */
export async function createEngine(spec: ModelSpec, batch: number, wanted: EngineName | 'auto'): Promise<{ engine: Engine; reason: string }> {
  if (wanted !== 'auto') return { engine: await loadEngine(wanted), reason: 'configured (training.engine)' };
  const available = await availableEngines();
  const name = chooseEngine(spec, batch, available);
  const missing = (['ts', 'tfjs-node', 'tfjs-wasm'] as EngineName[])
    .filter((e) => !available.includes(e)).map((e) => `${e} unavailable: ${engineLoadFailure(e) ?? 'not probed'}`);
  const reason = `auto: chosen for ${spec.layers}x${spec.hiddenSize} ${spec.cell}, B=${batch} among [${available.join(', ')}]${missing.length ? `; ${missing.join('; ')}` : ''}`;
  return { engine: await loadEngine(name), reason };
}
