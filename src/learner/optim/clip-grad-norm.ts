import type { ParamSet } from '../model/param-set';

/**
 * Scales all gradients in place so their global L2 norm is at most `maxNorm`, as
 * torch.nn.utils.clip_grad_norm_ (coefficient maxNorm / (norm + 1e-6), applied only when < 1).
 * Returns the norm before clipping (NaN/Infinity when the gradients are not finite; then nothing is scaled).
 */
export function clipGradNorm(grads: ParamSet, maxNorm: number): number {
  const norm = globalNorm(grads);
  if (!Number.isFinite(norm)) return norm;
  const coef = maxNorm / (norm + 1e-6);
  if (coef < 1) {
    for (const t of grads.tensors.values()) {
      const d = t.data;
      for (let i = 0; i < d.length; i++) d[i] *= coef;
    }
  }
  return norm;
}

/** Global L2 norm over every tensor of the set (accumulated in float64). */
export function globalNorm(grads: ParamSet): number {
  let sq = 0;
  for (const t of grads.tensors.values()) {
    const d = t.data;
    for (let i = 0; i < d.length; i++) sq += d[i] * d[i];
  }
  return Math.sqrt(sq);
}
