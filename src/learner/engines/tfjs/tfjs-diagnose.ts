import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { DeviceParams } from './device-params';
import type { CellKernels } from './tfjs-cells';
import type { ForwardTrace } from './tfjs-forward';
import { layerStepper } from './tfjs-backward';
import type { FusedLstm } from './fused-lstm';

/** Per-lag state gradients of the diagnostic pass, lag j = state entering step T−1−j. */
export interface StateGradients {
  /** [T, B]: squared norm of stream b's gradient w.r.t. the whole state (h, c of every layer) at lag j. */
  readonly sumSq: tf.Tensor;
  /** [T, S]: the mean over streams of that gradient (S = state size, layer by layer: h then c). */
  readonly mean: tf.Tensor;
}

/**
 * Propagates only the state gradient backward from the gradient `dTopLast` [B, H] w.r.t. the top
 * layer's h at the last step (no weight gradients), step by step, each step top layer first, recording
 * the gradient w.r.t. the state entering each step.
 */
export function stateGradients(spec: ModelSpec, p: DeviceParams, cell: CellKernels, trace: ForwardTrace,
  dTopLast: tf.Tensor, fused?: FusedLstm): StateGradients {
  const T = trace.steps;
  const L = spec.layers;
  const dh: Array<tf.Tensor | null> = new Array(L).fill(null);
  const dc: Array<tf.Tensor | null> = new Array(L).fill(null);
  // grads[k][j]: part k of the state (h then c, layer by layer) at lag j, [B, H].
  const parts = spec.cell === 'lstm' ? 2 * L : L;
  const grads: tf.Tensor[][] = Array.from({ length: parts }, () => []);
  const steppers = Array.from({ length: L }, (_, l) => layerStepper(cell, trace, l, p.layers[l], fused));
  for (let t = T - 1; t >= 0; t--) {
    let ext: tf.Tensor | null = t === T - 1 ? dTopLast : null;
    for (let l = L - 1; l >= 0; l--) {
      const own = dh[l];
      const dhT = ext && own ? steppers[l].add(ext, own) : (ext ?? own);
      if (!dhT) throw new Error('internal: no state gradient reaches this step');
      const g = steppers[l].step(t, dhT, dc[l]);
      dh[l] = g.dPrev.h;
      dc[l] = g.dPrev.c ?? null;
      ext = l > 0 ? tf.matMul(g.dGx, steppers[l].wih) : null;
    }
    for (let l = 0; l < L; l++) {
      if (spec.cell === 'lstm') {
        grads[2 * l].push(dh[l] as tf.Tensor);
        grads[2 * l + 1].push(dc[l] as tf.Tensor);
      } else {
        grads[l].push(dh[l] as tf.Tensor);
      }
    }
  }
  // Reductions over all lags at once, per state part: [T·B, H] rows (lag-major) → [T, B] and [T, H].
  const B = trace.batch;
  const H = spec.hiddenSize;
  const sumSqParts: tf.Tensor[] = [];
  const meanParts: tf.Tensor[] = [];
  for (const lags of grads) {
    const all = tf.concat(lags, 0);
    sumSqParts.push(tf.reshape(tf.sum(tf.square(all), 1), [T, B]));
    meanParts.push(tf.mean(tf.reshape(all, [T, B, H]), 1));
  }
  return {
    sumSq: sumSqParts.length === 1 ? sumSqParts[0] : tf.addN(sumSqParts),
    mean: meanParts.length === 1 ? meanParts[0] : tf.concat(meanParts, 1),
  };
}
