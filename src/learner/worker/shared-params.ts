import type { HostTensor, ParamSet } from '../model/param-set';

/**
 * The same parameters in shared memory (SharedArrayBuffer), so that the training worker updates them in
 * place and this thread reads them (checkpoints) without copies. Values and version are kept.
 */
export function shareParams(p: ParamSet): ParamSet {
  const tensors = new Map<string, HostTensor>();
  for (const [name, t] of p.tensors) {
    const data = new Float32Array(new SharedArrayBuffer(t.data.byteLength));
    data.set(t.data);
    tensors.set(name, { shape: [...t.shape], data });
  }
  return { tensors, version: p.version };
}
