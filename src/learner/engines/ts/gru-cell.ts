import type { CellOps, LayerTape } from './cell-ops';

/**
 * GRU step, PyTorch gate order r, z, n: r = σ(W_ir x + b_ir + W_hr h + b_hr), z likewise,
 * n = tanh(W_in x + b_in + r⊙(W_hn h + b_hn)), h' = (1 − z)⊙n + z⊙h.
 */
export const gruCell: CellOps = {
  separateRecurrentGrad: true,

  forwardStep(B: number, H: number, t: number, tape: LayerTape, gh: Float32Array): void {
    const { gx, hs, hn } = tape;
    const G3 = 3 * H;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G3;
      const r0 = b * G3;
      const prev = (t * B + b) * H;
      const next = ((t + 1) * B + b) * H;
      for (let j = 0; j < H; j++) {
        const r = sigmoid(gx[a + j] + gh[r0 + j]);
        const z = sigmoid(gx[a + H + j] + gh[r0 + H + j]);
        const hnj = gh[r0 + 2 * H + j];
        const n = Math.tanh(gx[a + 2 * H + j] + r * hnj);
        hs[next + j] = (1 - z) * n + z * hs[prev + j];
        hn[prev + j] = hnj;
        gx[a + j] = r;
        gx[a + H + j] = z;
        gx[a + 2 * H + j] = n;
      }
    }
  },

  backwardStep(B, H, t, tape, dh, dhOff, _dc, dgx, dgxOff, dgh, dghOff, hPrev, hPrevOff): void {
    const { gx, hs, hn } = tape;
    const G3 = 3 * H;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G3;
      const dx = dgxOff + b * G3;
      const dr = dghOff + b * G3;
      const prev = (t * B + b) * H;
      const hb = dhOff + b * H;
      for (let j = 0; j < H; j++) {
        const r = gx[a + j], z = gx[a + H + j], n = gx[a + 2 * H + j];
        const dhj = dh[hb + j];
        const dnPre = dhj * (1 - z) * (1 - n * n);
        const dzPre = dhj * (hs[prev + j] - n) * z * (1 - z);
        const drPre = dnPre * hn[prev + j] * r * (1 - r);
        dgx[dx + j] = drPre;
        dgx[dx + H + j] = dzPre;
        dgx[dx + 2 * H + j] = dnPre;
        dgh[dr + j] = drPre;
        dgh[dr + H + j] = dzPre;
        dgh[dr + 2 * H + j] = dnPre * r;
        if (hPrev !== null) hPrev[hPrevOff + b * H + j] += dhj * z;
      }
    }
  },
};

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
