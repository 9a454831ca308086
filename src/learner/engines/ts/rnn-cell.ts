import type { CellOps, LayerTape } from './cell-ops';

/** Elman RNN step with tanh: h' = tanh(W_ih x + b_ih + W_hh h + b_hh). */
export const rnnCell: CellOps = {
  separateRecurrentGrad: false,

  forwardStep(B: number, H: number, t: number, tape: LayerTape, gh: Float32Array): void {
    const { gx, hs } = tape;
    const n = B * H;
    const a = t * n;
    const next = (t + 1) * n;
    for (let k = 0; k < n; k++) hs[next + k] = Math.tanh(gx[a + k] + gh[k]);
  },

  backwardStep(B, H, t, tape, dh, dhOff, _dc, dgx, dgxOff): void {
    const { hs } = tape;
    const n = B * H;
    const next = (t + 1) * n;
    for (let k = 0; k < n; k++) {
      const h = hs[next + k];
      dgx[dgxOff + k] = dh[dhOff + k] * (1 - h * h);
    }
  },
};
