import * as tf from '@tensorflow/tfjs-core';
import type { CellKind } from '../../model/model-spec';
import type { DeviceLayer } from './device-params';
import type { TensorSplits } from './tensor-splits';
import type { LstmBlocks } from './fused-lstm';

/** One layer's recurrent state for B streams: h [B, H] (and c [B, H] for LSTM). */
export interface LayerState {
  readonly h: tf.Tensor;
  readonly c?: tf.Tensor;
}

/** Gradients of one backward step. */
export interface CellGrads {
  /** Gradient w.r.t. the input-side gate pre-activations (x·W_ihᵀ + b_ih), [B, G·H]. */
  readonly dGx: tf.Tensor;
  /** Gradient w.r.t. the hidden-side pre-activations (h·W_hhᵀ + b_hh), [B, G·H]; differs from dGx only for GRU. */
  readonly dGh: tf.Tensor;
  /** Gradient w.r.t. the state entering the step. */
  readonly dPrev: { readonly h: tf.Tensor; readonly c?: tf.Tensor };
}

/**
 * Forward and hand-derived backward of one recurrent step (PyTorch's equations and gate orders).
 * `xProj` is the input projection of the step with `biasX` already added, [B, G·H]; `saved` holds what
 * the backward step needs. cellKernels() takes a kept scalar 1 (saves a scalar upload per use) and the
 * backend's way of cutting the gate blocks apart.
 */
export interface CellKernels {
  step(xProj: tf.Tensor, prev: LayerState, w: DeviceLayer): { next: LayerState; saved: tf.Tensor[] };
  /**
   * Turns the saved activations of all T steps of one layer into what back() reads, batching over the
   * window whatever depends on the forward pass only (default: the saved activations themselves).
   * `prev[t]` is the state entering step t.
   */
  prepareBack?(saved: ReadonlyArray<tf.Tensor[]>, prev: readonly LayerState[]): tf.Tensor[][];
  /** LSTM: the same from the activations of a fused forward pass and the cell state entering the window. */
  tapesFromBlocks?(blocks: LstmBlocks, c0: tf.Tensor): tf.Tensor[][];
  /**
   * dh: gradient w.r.t. the step's output h [B, H]; dc: w.r.t. its output c (LSTM; null when none);
   * saved: the step's entry of prepareBack() (or of the forward's saved activations without it).
   */
  back(dh: tf.Tensor, dc: tf.Tensor | null, saved: tf.Tensor[], w: DeviceLayer): CellGrads;
}

/** σ'(pre) from s = σ(pre): s·(1 − s); `one` is a kept scalar 1 of the active backend. */
const dSigmoid = (one: tf.Scalar, s: tf.Tensor): tf.Tensor => tf.mul(s, tf.sub(one, s));
/** tanh'(pre) from t = tanh(pre): 1 − t². */
const dTanh = (one: tf.Scalar, t: tf.Tensor): tf.Tensor => tf.sub(one, tf.square(t));

/**
 * The forward-only factors of the LSTM gate gradients, over any number of rows at once (see back()):
 * W = [g·σ'(i), c·σ'(f), i·tanh'(g), tanh(c')·σ'(o)] ([rows, 4H]) and K = o·tanh'(c') ([rows, H]),
 * from the gates, tanh(c') and the cell state entering the step, each [rows, H].
 */
function lstmBackFactors(one: tf.Scalar, i: tf.Tensor, f: tf.Tensor, g: tf.Tensor, o: tf.Tensor, tc: tf.Tensor,
  cPrev: tf.Tensor): { W: tf.Tensor; K: tf.Tensor } {
  return {
    W: tf.concat([tf.mul(g, dSigmoid(one, i)), tf.mul(cPrev, dSigmoid(one, f)), tf.mul(i, dTanh(one, g)), tf.mul(tc, dSigmoid(one, o))], 1),
    K: tf.mul(o, dTanh(one, tc)),
  };
}

/**
 * What the LSTM kernels' back() reads for each step, from the activations of a fused forward pass
 * (blocks [T, B, H]) and the cell state entering the window c0 [B, H].
 */
function lstmTapesFromBlocks(blocks: LstmBlocks, c0: tf.Tensor, one: tf.Scalar, splits: TensorSplits): tf.Tensor[][] {
  const [T, B, H] = blocks.h.shape as [number, number, number];
  const rows = (x: tf.Tensor): tf.Tensor => tf.reshape(x, [T * B, H]);
  const cPrev = T === 1 ? c0 : tf.concat([c0, tf.reshape(tf.slice(blocks.c, [0, 0, 0], [T - 1, B, H]), [(T - 1) * B, H])], 0);
  const { W, K } = lstmBackFactors(one, rows(blocks.i), rows(blocks.f), rows(blocks.g), rows(blocks.o), rows(blocks.tc), cPrev);
  const [Ws, Ks, fs] = [W, K, rows(blocks.f)].map((x) => splits.rows(x, T));
  return Ws.map((w, t) => [w, Ks[t], fs[t]]);
}

/** The kernels of `cell`. */
export function cellKernels(cell: CellKind, one: tf.Scalar, splits: TensorSplits): CellKernels {
  const dSig = (s: tf.Tensor): tf.Tensor => dSigmoid(one, s);
  const dTh = (t: tf.Tensor): tf.Tensor => dTanh(one, t);

  if (cell === 'lstm') {
    return {
      // gates = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh, blocks i, f, g, o; c' = f·c + i·g; h' = o·tanh(c').
      step(xProj, prev, w) {
        const gates = tf.add(xProj, tf.matMul(prev.h, w.whhT));
        const [ai, af, ag, ao] = splits.cols(gates, 4) as tf.Tensor[];
        const i = tf.sigmoid(ai);
        const f = tf.sigmoid(af);
        const g = tf.tanh(ag);
        const o = tf.sigmoid(ao);
        const c = tf.add(tf.mul(f, prev.c as tf.Tensor), tf.mul(i, g));
        const tc = tf.tanh(c);
        return { next: { h: tf.mul(o, tc), c }, saved: [i, f, g, o, tc] };
      },
      // Everything in the gate gradients that depends on the forward pass only, for all steps at once:
      //   dGates = [dc'·g·σ'(i), dc'·c·σ'(f), dc'·i·tanh'(g), dh·tanh(c')·σ'(o)] = [dc', dc', dc', dh] ⊙ W
      //   with dc' = dc + dh·K, K = o·tanh'(c'), W = [g·σ'(i), c·σ'(f), i·tanh'(g), tanh(c')·σ'(o)].
      prepareBack(saved, prev) {
        const T = saved.length;
        const all = (k: number): tf.Tensor => tf.concat(saved.map((s) => s[k]), 0);
        const [i, f, g, o, tc] = [0, 1, 2, 3, 4].map(all);
        const { W, K } = lstmBackFactors(one, i, f, g, o, tc, tf.concat(prev.map((s) => s.c as tf.Tensor), 0));
        const Ws = splits.rows(W, T);
        const Ks = splits.rows(K, T);
        return saved.map((s, t) => [Ws[t], Ks[t], s[1]]);
      },
      tapesFromBlocks: (blocks, c0) => lstmTapesFromBlocks(blocks, c0, one, splits),
      back(dh, dc, tape, w) {
        const [W, K, f] = tape;
        const dcFromH = tf.mul(dh, K);
        const dcT = dc ? tf.add(dc, dcFromH) : dcFromH;
        const dG = tf.mul(tf.concat([dcT, dcT, dcT, dh], 1), W);
        return { dGx: dG, dGh: dG, dPrev: { h: tf.matMul(dG, w.whh), c: tf.mul(dcT, f) } };
      },
    };
  }

  if (cell === 'gru') {
    return {
      // r = σ(x_r + h_r), z = σ(x_z + h_z), n = tanh(x_n + r·h_n), h' = (1 − z)·n + z·h,
      // with x_* = W_i* x + b_i* and h_* = W_h* h + b_h*.
      step(xProj, prev, w) {
        const gh = tf.add(tf.matMul(prev.h, w.whhT), w.biasH as tf.Tensor);
        const [xr, xz, xn] = splits.cols(xProj, 3) as tf.Tensor[];
        const [hr, hz, hn] = splits.cols(gh, 3) as tf.Tensor[];
        const r = tf.sigmoid(tf.add(xr, hr));
        const z = tf.sigmoid(tf.add(xz, hz));
        const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
        const h = tf.add(n, tf.mul(z, tf.sub(prev.h, n)));
        return { next: { h }, saved: [r, z, n, hn] };
      },
      // Forward-only factors for all steps at once: dn̂ = dh·A, dẑ = dh·Bz, dr̂ = dn̂·Cr with
      // A = (1 − z)·tanh'(n), Bz = (h − n)·σ'(z), Cr = h_n·σ'(r) (hats: pre-activation gradients).
      prepareBack(saved, prev) {
        const T = saved.length;
        const all = (k: number): tf.Tensor => tf.concat(saved.map((s) => s[k]), 0);
        const [r, z, n, hn] = [0, 1, 2, 3].map(all);
        const hPrev = tf.concat(prev.map((s) => s.h), 0);
        const A = splits.rows(tf.mul(tf.sub(one, z), dTh(n)), T);
        const Bz = splits.rows(tf.mul(tf.sub(hPrev, n), dSig(z)), T);
        const Cr = splits.rows(tf.mul(hn, dSig(r)), T);
        return saved.map((s, t) => [A[t], Bz[t], Cr[t], s[0], s[1]]);
      },
      back(dh, _dc, tape, w) {
        const [A, Bz, Cr, r, z] = tape;
        const dnPre = tf.mul(dh, A);
        const dzPre = tf.mul(dh, Bz);
        const drPre = tf.mul(dnPre, Cr);
        const dGx = tf.concat([drPre, dzPre, dnPre], 1);
        const dGh = tf.concat([drPre, dzPre, tf.mul(dnPre, r)], 1);
        return { dGx, dGh, dPrev: { h: tf.add(tf.matMul(dGh, w.whh), tf.mul(dh, z)) } };
      },
    };
  }

  return {
    // h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh).
    step(xProj, prev, w) {
      const h = tf.tanh(tf.add(xProj, tf.matMul(prev.h, w.whhT)));
      return { next: { h }, saved: [h] };
    },
    // tanh'(pre) = 1 − h'² for all steps at once.
    prepareBack(saved) {
      const D = splits.rows(dTh(tf.concat(saved.map((s) => s[0]), 0)), saved.length);
      return D.map((d) => [d]);
    },
    back(dh, _dc, tape, w) {
      const dPre = tf.mul(dh, tape[0]);
      return { dGx: dPre, dGh: dPre, dPrev: { h: tf.matMul(dPre, w.whh) } };
    },
  };
}
