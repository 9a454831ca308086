import type { CellKind } from '../../model/model-spec';
import { gruCell } from './gru-cell';
import { lstmCell } from './lstm-cell';
import { rnnCell } from './rnn-cell';

/**
 * What the forward pass of one layer keeps for the backward pass (T steps, B streams, H units, G gates).
 * Row r = t·B + b of each [T·B, ·] buffer belongs to step t, stream b.
 */
export interface LayerTape {
  /** [T·B, G·H]: the input projection x·W_ihᵀ + b_ih, overwritten step by step with the gate activations. */
  readonly gx: Float32Array;
  /** [(T+1)·B, H]: h entering step 0 (slot 0), then h after each step (slot t+1). */
  readonly hs: Float32Array;
  /** LSTM only: [(T+1)·B, H] cell states, same slots as hs (empty otherwise). */
  readonly cs: Float32Array;
  /** GRU only: [T·B, H] the recurrent part of the candidate, W_hn·h + b_hn, per step (empty otherwise). */
  readonly hn: Float32Array;
}

/** Step-level forward and backward of one cell type (PyTorch equations and gate order). */
export interface CellOps {
  /**
   * Completes step t: reads the input projection tape.gx[t] and gh [B, G·H] = h_{t−1}·W_hhᵀ + b_hh,
   * writes the gate activations over tape.gx[t] and the new state into slot t+1.
   */
  forwardStep(B: number, H: number, t: number, tape: LayerTape, gh: Float32Array): void;
  /**
   * Backward through step t. dh[dhOff..] [B, H] is the total gradient w.r.t. h after step t.
   * Writes the pre-activation gradients for the input side dgx[dgxOff..] [B, G·H] and for the
   * recurrent side dgh[dghOff..] [B, G·H] (identical for LSTM and RNN, which may pass the same buffer).
   * The gradient w.r.t. h_{t−1} is dgh·W_hh plus a direct term that only the GRU has: it is added into
   * hPrev[hPrevOff..] [B, H] when hPrev is not null. `dc` [B, H] (LSTM only) holds the gradient w.r.t.
   * c after step t on entry and w.r.t. c_{t−1} on exit.
   */
  backwardStep(B: number, H: number, t: number, tape: LayerTape, dh: Float32Array, dhOff: number, dc: Float32Array,
    dgx: Float32Array, dgxOff: number, dgh: Float32Array, dghOff: number, hPrev: Float32Array | null, hPrevOff: number): void;
  /** True when the recurrent-side gradient differs from the input-side one (GRU). */
  readonly separateRecurrentGrad: boolean;
}

/** The step functions of a cell type. */
export function cellOps(cell: CellKind): CellOps {
  return cell === 'lstm' ? lstmCell : cell === 'gru' ? gruCell : rnnCell;
}
