import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import type { RecurrentState } from '../model/recurrent-state';
import type { SequenceWindow } from '../model/sequence-window';

/** Engine names: plain TypeScript kernels, TensorFlow.js native, TensorFlow.js wasm. */
export type EngineName = 'ts' | 'tfjs-node' | 'tfjs-wasm';

export interface ForwardOptions {
  /**
   * Step indices t (0-based) after which the state is returned (the state entering step t+1),
   * detached. Used to carry state between overlapping windows.
   */
  readonly keepStatesAfter?: readonly number[];
  /** First step whose outputs are returned (default: steps − 1, only the last). */
  readonly outputsFrom?: number;
}

export interface TrainOptions extends ForwardOptions {
  /** Losses are taken on steps lossFrom..T−1 (each a batch mean); the window loss is their mean. */
  readonly lossFrom: number;
}

export interface ForwardResult {
  /** Outputs for steps outputsFrom..T−1: softmax probabilities [B, C] or regression values [B, C]. */
  readonly outputs: Float32Array[];
  /** State after the last step. */
  readonly finalState: RecurrentState;
  /** States after each step listed in keepStatesAfter, same order. */
  readonly keptStates: RecurrentState[];
}

export interface TrainResult extends ForwardResult {
  /**
   * Window loss: mean over the loss steps of the batch-mean per-step loss (cross-entropy in nats, or
   * mean over B·C of squared errors for mse — PyTorch's mean reduction).
   */
  readonly loss: number;
  /** Per loss step, per stream loss [B] (cross-entropy, or mean over C of squared error). */
  readonly stepLosses: Float32Array[];
  /** Gradient of `loss` w.r.t. every parameter (same names/shapes as the params). */
  readonly grads: ParamSet;
}

/**
 * Per-lag state-gradient norms (method.md section 1.2): the last step's batch-mean loss is
 * backpropagated alone; lag j is the state entering step T−1−j; state = h (and c) of all layers.
 */
export interface LagNorms {
  /** lagNorms[j][b]: norm of the stream-b gradient at lag j. W = T lags. */
  readonly lagNorms: Float64Array[];
  /**
   * Exact cumulative norm: cumExact[j] = ‖Σ_{i≤j} mean_b g_i[b]‖, where g_i[b] is stream b's gradient
   * of the batch-mean last-step loss w.r.t. the state at lag i (as the reference computes it).
   */
  readonly cumExact: Float64Array;
  /** Approx cumulative norm: Σ_{i≤j} mean_b ‖g_i[b]‖. */
  readonly cumApprox: Float64Array;
}

/**
 * One compute engine. Parameters stay on the host (ParamSet); an engine may cache device copies
 * keyed by the ParamSet's identity and version. Engines never mutate params or states.
 */
export interface Engine {
  readonly name: EngineName;
  /** Backend detail for logs and metrics (e.g. "tensorflow", "wasm-simd", "float32-js"). */
  readonly backend: string;
  forward(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options?: ForwardOptions): ForwardResult;
  trainWindow(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options: TrainOptions): TrainResult;
  diagnose(spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState): LagNorms;
  /** Frees device memory held for cached params. */
  dispose(): void;
}
