import type { LagNorms } from '../engine';
import type { SequenceWindow } from '../../model/sequence-window';
import { cellOps } from './cell-ops';
import { headLossStep } from './heads';
import { gemmAcc } from './kernels';
import type { ModelView } from './model-view';
import { checkTarget } from './window-backward';
import type { WindowTape } from './window-forward';
import type { Workspace } from './workspace';

/**
 * The diagnostic backward pass (method.md section 1.2): only the last step's batch-mean loss is
 * backpropagated, through all layers step by step, and only state gradients are propagated (no
 * weight gradients). After walking back through step t, the gradient w.r.t. the state entering step t
 * (h, and c for LSTM, of every layer) is lag j = T−1−t.
 * Requires a tape whose decoder output covers step T−1.
 */
export function diagnosticPass(view: ModelView, tape: WindowTape, window: SequenceWindow, ws: Workspace): LagNorms {
  const { spec, H, G, C } = view;
  const { B, T } = tape;
  const GH = G * H, BH = B * H, nL = spec.layers;
  const ops = cellOps(spec.cell);
  const isLstm = spec.cell === 'lstm';

  // Phase 1: seed — dlogits [B, C] of the batch-mean loss at step T−1, then dh of the top layer.
  const target = window.targets[T - 1];
  checkTarget(spec.head, target, B, C, T - 1);
  const dlogits = ws.get('diag.dlogits', B * C);
  headLossStep(spec.head, B, C, tape.logits, (T - 1 - tape.decodeFrom) * B * C, target, ws.get('diag.losses', B),
    dlogits, 0, 1 / B);
  const dh: Float32Array[] = [], dhNext: Float32Array[] = [], dc: Float32Array[] = [];
  for (let l = 0; l < nL; l++) {
    dh.push(ws.zeros(`diag.dh${l}`, BH));          // gradient w.r.t. h_l at the current step boundary [B, H]
    dhNext.push(ws.get(`diag.dhNext${l}`, BH));
    dc.push(ws.zeros(`diag.dc${l}`, BH));          // same for c_l (LSTM)
  }
  gemmAcc(B, H, C, dlogits, 0, view.dw, 0, dh[nL - 1], 0);                    // [B, C]·[C, H]

  // Phase 2: walk back through the steps, recording the norms at every boundary.
  const dgx = ws.get('diag.dgx', B * GH);                                     // [B, G·H]
  const dgh = ops.separateRecurrentGrad ? ws.get('diag.dgh', B * GH) : dgx;
  const stateLen = nL * H * (isLstm ? 2 : 1);
  const cum = new Float64Array(stateLen);                                    // Σ over lags of mean_b g
  const lagNorms: Float64Array[] = [];
  const cumExact = new Float64Array(T);
  const cumApprox = new Float64Array(T);
  let approx = 0;
  for (let t = T - 1; t >= 0; t--) {
    for (let l = nL - 1; l >= 0; l--) {
      const W = view.layers[l];
      const next = dhNext[l];
      next.fill(0);
      ops.backwardStep(B, H, t, tape.layers[l], dh[l], 0, dc[l], dgx, 0, dgh, 0, next, 0);
      gemmAcc(B, H, GH, dgh, 0, W.whh, 0, next, 0);                          // into h_l entering step t
      if (l > 0) gemmAcc(B, H, GH, dgx, 0, W.wih, 0, dh[l - 1], 0);         // into layer l−1's output at step t
      dhNext[l] = dh[l];
      dh[l] = next;
    }
    // Lag j: per-stream norms of the full state gradient, and the running batch-mean vector.
    const norms = new Float64Array(B);
    for (let l = 0; l < nL; l++) {
      accumulate(dh[l], B, H, norms, cum, l * H);
      if (isLstm) accumulate(dc[l], B, H, norms, cum, (nL + l) * H);
    }
    let meanNorm = 0;
    for (let b = 0; b < B; b++) {
      norms[b] = Math.sqrt(norms[b]);
      meanNorm += norms[b] / B;
    }
    let sq = 0;
    for (let k = 0; k < stateLen; k++) sq += cum[k] * cum[k];
    const j = T - 1 - t;
    lagNorms.push(norms);
    cumExact[j] = Math.sqrt(sq);
    approx += meanNorm;
    cumApprox[j] = approx;
  }
  return { lagNorms, cumExact, cumApprox };
}

/** Adds Σ_j g[b, j]² to sumSq[b] and mean_b g[b, j] to cum[off + j] for one [B, H] block of the state gradient. */
function accumulate(g: Float32Array, B: number, H: number, sumSq: Float64Array, cum: Float64Array, off: number): void {
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let j = 0; j < H; j++) {
      const v = g[b * H + j];
      s += v * v;
      cum[off + j] += v / B;
    }
    sumSq[b] += s;
  }
}
