import type { CellOps, LayerTape } from './cell-ops';

/**
 * LSTM step, PyTorch gate order i, f, g, o (blocks of H in the G·H = 4H gate vector):
 * i = σ(·), f = σ(·), g = tanh(·), o = σ(·); c' = f⊙c + i⊙g; h' = o⊙tanh(c').
 */
export const lstmCell: CellOps = {
  separateRecurrentGrad: false,

  forwardStep(B: number, H: number, t: number, tape: LayerTape, gh: Float32Array): void {
    const { gx, hs, cs } = tape;
    const G4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G4;           // this stream's gates in gx
      const r = b * G4;                      // and in gh
      const prev = (t * B + b) * H;          // slot t (state entering)
      const next = ((t + 1) * B + b) * H;    // slot t+1 (state after)
      for (let j = 0; j < H; j++) {
        const i = sigmoid(gx[a + j] + gh[r + j]);
        const f = sigmoid(gx[a + H + j] + gh[r + H + j]);
        const g = Math.tanh(gx[a + 2 * H + j] + gh[r + 2 * H + j]);
        const o = sigmoid(gx[a + 3 * H + j] + gh[r + 3 * H + j]);
        const c = f * cs[prev + j] + i * g;
        cs[next + j] = c;
        hs[next + j] = o * Math.tanh(c);
        gx[a + j] = i;
        gx[a + H + j] = f;
        gx[a + 2 * H + j] = g;
        gx[a + 3 * H + j] = o;
      }
    }
  },

  backwardStep(B, H, t, tape, dh, dhOff, dc, dgx, dgxOff): void {
    const { gx, cs } = tape;
    const G4 = 4 * H;
    for (let b = 0; b < B; b++) {
      const a = (t * B + b) * G4;
      const d = dgxOff + b * G4;
      const prev = (t * B + b) * H;
      const next = ((t + 1) * B + b) * H;
      const hb = dhOff + b * H;
      const cb = b * H;
      for (let j = 0; j < H; j++) {
        const i = gx[a + j], f = gx[a + H + j], g = gx[a + 2 * H + j], o = gx[a + 3 * H + j];
        const tc = Math.tanh(cs[next + j]);
        const dhj = dh[hb + j];
        const dcj = dc[cb + j] + dhj * o * (1 - tc * tc);
        dgx[d + j] = dcj * g * i * (1 - i);
        dgx[d + H + j] = dcj * cs[prev + j] * f * (1 - f);
        dgx[d + 2 * H + j] = dcj * i * (1 - g * g);
        dgx[d + 3 * H + j] = dhj * tc * o * (1 - o);
        dc[cb + j] = dcj * f;
      }
    }
  },
};

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}
