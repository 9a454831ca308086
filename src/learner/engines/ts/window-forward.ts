import type { RecurrentState } from '../../model/recurrent-state';
import type { SequenceWindow } from '../../model/sequence-window';
import { cellOps, type LayerTape } from './cell-ops';
import { encodeInputs, projectFirstLayer, type EncodedInputs } from './encoder';
import { fillRows, gemmAcc } from './kernels';
import type { ModelView } from './model-view';
import type { Workspace } from './workspace';

/** Everything the forward pass over one window keeps (all in workspace buffers). */
export interface WindowTape {
  /** B streams, T steps. */
  readonly B: number;
  readonly T: number;
  readonly inputs: EncodedInputs;
  /** One tape per layer, bottom first. */
  readonly layers: readonly LayerTape[];
  /** First step whose decoder output was computed. */
  readonly decodeFrom: number;
  /** Decoder outputs (pre-head logits or regression values) [(T − decodeFrom)·B, C]. */
  readonly logits: Float32Array;
}

/**
 * Forward over the window from `initial`, layer by layer: each layer's input projection for all T
 * steps is one product, then the recurrence runs step by step; the decoder runs once over steps
 * decodeFrom..T−1 of the top layer.
 */
export function forwardWindow(view: ModelView, window: SequenceWindow, initial: RecurrentState, ws: Workspace,
  decodeFrom: number): WindowTape {
  const { spec, H, G, C } = view;
  const B = window.batch, T = window.steps;
  const GH = G * H, BH = B * H, rows = T * B;
  checkState(view, initial, B);
  const ops = cellOps(spec.cell);

  // Phase 1: inputs (stacked, encoded).
  const inputs = encodeInputs(view, window, ws);

  // Phase 2: the recurrent layers.
  const layers: LayerTape[] = [];
  for (let l = 0; l < spec.layers; l++) {
    const W = view.layers[l];
    const tape: LayerTape = {
      gx: ws.get(`gx${l}`, rows * GH),                                  // [T·B, G·H]
      hs: ws.get(`hs${l}`, (T + 1) * BH),                               // [(T+1)·B, H]
      cs: ws.get(`cs${l}`, spec.cell === 'lstm' ? (T + 1) * BH : 0),    // [(T+1)·B, H]
      hn: ws.get(`hn${l}`, spec.cell === 'gru' ? rows * H : 0),         // [T·B, H]
    };
    tape.hs.set(initial.h[l], 0);
    if (spec.cell === 'lstm') tape.cs.set((initial.c as Float32Array[])[l], 0);
    if (l === 0) {
      projectFirstLayer(view, inputs, rows, tape.gx);
    } else {
      fillRows(rows, GH, W.bih, tape.gx, 0);
      gemmAcc(rows, GH, H, layers[l - 1].hs, BH, W.wihT, 0, tape.gx, 0);   // [T·B, H]·[H, G·H]
    }
    const gh = ws.get('gh', B * GH);                                    // [B, G·H]
    for (let t = 0; t < T; t++) {
      fillRows(B, GH, W.bhh, gh, 0);
      gemmAcc(B, GH, H, tape.hs, t * BH, W.whhT, 0, gh, 0);            // h_{t−1}[B, H]·[H, G·H]
      ops.forwardStep(B, H, t, tape, gh);
    }
    layers.push(tape);
  }

  // Phase 3: decoder on the top layer's h for steps decodeFrom..T−1.
  const decRows = (T - decodeFrom) * B;
  const logits = ws.get('logits', decRows * C);                         // [(T − decodeFrom)·B, C]
  fillRows(decRows, C, view.db, logits, 0);
  gemmAcc(decRows, C, H, layers[layers.length - 1].hs, (decodeFrom + 1) * BH, view.dwT, 0, logits, 0);
  return { B, T, inputs, layers, decodeFrom, logits };
}

/** A detached copy of the state after step t (slot t + 1 of every layer's tape). */
export function stateAfter(view: ModelView, tape: WindowTape, t: number): RecurrentState {
  const n = tape.B * view.H;
  const at = (t + 1) * n;
  const h = tape.layers.map((L) => L.hs.slice(at, at + n));
  return view.spec.cell === 'lstm' ? { h, c: tape.layers.map((L) => L.cs.slice(at, at + n)) } : { h };
}

function checkState(view: ModelView, s: RecurrentState, B: number): void {
  const { spec, H } = view;
  const check = (arrs: Float32Array[] | undefined, what: string): void => {
    if (!arrs || arrs.length !== spec.layers || arrs.some((a) => !(a instanceof Float32Array) || a.length !== B * H)) {
      throw new RangeError(`initial state ${what} must hold ${spec.layers} Float32Array(s) of B·H = ${B * H}`);
    }
  };
  check(s.h, 'h');
  if (spec.cell === 'lstm') check(s.c, 'c');
}
