import type { HeadKind } from '../../model/model-spec';

/**
 * One step of the output head for B streams and C outputs.
 * Per-stream loss ℓ_b: softmax cross-entropy −log softmax(z_b)[y_b] (nats), or for mse the mean over
 * the C outputs of (z_b − y_b)². The batch-mean of ℓ_b is PyTorch's mean-reduced loss in both cases.
 * Writes ℓ_b into losses[b] and, when `grad` is not null, scale·∂ℓ_b/∂z_b into grad[gOff..] [B, C].
 * @returns Σ_b ℓ_b (float64).
 */
export function headLossStep(head: HeadKind, B: number, C: number, logits: Float32Array, lOff: number,
  target: Float32Array | Int32Array, losses: Float32Array, grad: Float32Array | null, gOff: number, scale: number): number {
  let total = 0;
  if (head === 'softmax') {
    for (let b = 0; b < B; b++) {
      const o = lOff + b * C;
      const y = target[b];
      if (!Number.isInteger(y) || y < 0 || y >= C) throw new RangeError(`target class ${y} outside [0, ${C})`);
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (logits[o + c] > max) max = logits[o + c];
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(logits[o + c] - max);
      const logZ = max + Math.log(sum);
      const loss = logZ - logits[o + y];
      losses[b] = loss;
      total += loss;
      if (grad !== null) {
        const g = gOff + b * C;
        for (let c = 0; c < C; c++) grad[g + c] = scale * Math.exp(logits[o + c] - logZ);
        grad[g + y] -= scale;
      }
    }
  } else {
    for (let b = 0; b < B; b++) {
      const o = lOff + b * C;
      const yo = b * C;
      let sq = 0;
      for (let c = 0; c < C; c++) {
        const e = logits[o + c] - target[yo + c];
        sq += e * e;
        if (grad !== null) grad[gOff + b * C + c] = (scale * 2 * e) / C;
      }
      losses[b] = sq / C;
      total += sq / C;
    }
  }
  return total;
}

/** The head's output for one step [B, C]: softmax probabilities, or the regression values themselves. */
export function headOutput(head: HeadKind, B: number, C: number, logits: Float32Array, lOff: number): Float32Array {
  const out = logits.slice(lOff, lOff + B * C);
  if (head === 'softmax') {
    for (let b = 0; b < B; b++) {
      const o = b * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (out[o + c] > max) max = out[o + c];
      let sum = 0;
      for (let c = 0; c < C; c++) sum += Math.exp(out[o + c] - max);
      for (let c = 0; c < C; c++) out[o + c] = Math.exp(out[o + c] - max) / sum;
    }
  }
  return out;
}
