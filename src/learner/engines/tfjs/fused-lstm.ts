import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend, type NativeAttr, type NativeKernelBackend, type NativeOps } from './native-ops';

/**
 * The activations of one LSTM layer over a window, each [T, B, H], time-major: gates i, f, g (the cell
 * input), o, then c and tanh(c) after each step, and h after each step.
 */
export interface LstmBlocks {
  readonly i: tf.Tensor;
  readonly f: tf.Tensor;
  readonly g: tf.Tensor;
  readonly o: tf.Tensor;
  readonly c: tf.Tensor;
  readonly tc: tf.Tensor;
  readonly h: tf.Tensor;
}

/**
 * Which kernels run the LSTM layers on tfjs-node:
 * - 'per-op': the generic path, several tfjs ops per step each way, and the head in tfjs ops (as on wasm);
 * - 'fused-window': BlockLSTMV2 forward and BlockLSTMGradV2 backward, one op per layer each way;
 * - 'fused-steps': BlockLSTMV2 forward; backward one LSTMBlockCellGrad op and one matMul per step, then
 *   the weight gradients of all steps in one matMul each;
 * - 'graph': training windows as one native graph (graph/lstm-train-graph.ts: the fused forward and the
 *   per-step backward, run by a TensorFlow session in one call); forward and diagnose as 'auto';
 * - 'auto': 'graph' for training where the runtime can load graphs, and fusedBackward() of the sizes otherwise.
 */
export type LstmKernels = 'auto' | 'per-op' | 'fused-window' | 'fused-steps' | 'graph';

/**
 * The backward pass 'auto' takes for B streams of hidden size H. BlockLSTMGradV2 adds each step's weight
 * gradient, an [in + H, B]·[B, 4H] product whose inner size is B, so its share of the work grows with
 * H²/B; from H²/B = 1024 on, the per-step kernel with one batched weight gradient is faster. Measured
 * side by side (timesteps/s, window against steps): 2×50 B=64 78k/49k, 1×64 B=16 56k/36k, 1×128 B=32
 * 33k/27k, 1×96 B=16 37k/27k; 1×128 B=16 21k/27k, 1×128 B=8 11k/13k, 1×256 B=32 11k/20k, 1×256 B=8 4.8k/7.5k.
 */
export function fusedBackward(batch: number, hidden: number): 'fused-window' | 'fused-steps' {
  return (hidden * hidden) / batch >= 1024 ? 'fused-steps' : 'fused-window';
}

/** What one layer's backward pass returns. */
export interface FusedLstmGrads {
  /** Gradient w.r.t. the layer's input, [T, B, I]. */
  readonly dx: tf.Tensor;
  /** Gradient w.r.t. the stacked weight [W_ihᵀ; W_hhᵀ], [I + H, 4H]. */
  readonly dw: tf.Tensor;
  /** Gradient w.r.t. the summed bias b_ih + b_hh, [4H]. */
  readonly db: tf.Tensor;
}

/**
 * A whole LSTM layer over a window in one native op each way: TensorFlow's BlockLSTMV2 (PyTorch's gate
 * order i, f, g, o; no peepholes, no cell clipping) and BlockLSTMGradV2. The per-step ops of the generic
 * path cost ~20 µs each in dispatch on the native runtime; these loop over the steps inside the runtime.
 *
 * Inputs: x [T, B, I]; the entering state h0, c0 [B, H]; w = [W_ihᵀ; W_hhᵀ] [I + H, 4H]; b = b_ih + b_hh
 * [4H]. The backward pass takes the gradient w.r.t. h after every step, hGrad [T, B, H] (zero where no
 * loss reaches), and no gradient w.r.t. c from outside the window.
 */
export interface FusedLstm {
  forward(x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, w: tf.Tensor, b: tf.Tensor): LstmBlocks;
  backward(x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, w: tf.Tensor, b: tf.Tensor, blocks: LstmBlocks,
    hGrad: tf.Tensor): FusedLstmGrads;
  /**
   * One step of the backward pass with the native one-step kernel (LSTMBlockCellGrad), from the step's
   * activations (each [B, H]), the cell state entering it, and the gradients w.r.t. its c (null: none)
   * and h. Returns the gradient w.r.t. c entering the step and w.r.t. the gate pre-activations, [B, 4H],
   * in the kernel's gate order i, g, f, o (swapGateBlocks).
   */
  stepBackward(B: number, H: number): LstmStepBackward;
  /** The single native ops the per-step loop uses between the one-step kernels. */
  readonly ops: NativeOps;
}

/** See FusedLstm.stepBackward (made once per layer and window: it holds the kernel's placeholders). */
export type LstmStepBackward = (k: Omit<LstmBlocks, 'h'>, cPrev: tf.Tensor, dc: tf.Tensor | null, dh: tf.Tensor) =>
  { dcPrev: tf.Tensor; dGates: tf.Tensor };

/** Gate blocks i, g, f, o (the one-step kernel's order) taken from PyTorch's i, f, g, o, or back: the same swap. */
export function swapGateBlocks(H: number): Int32Array {
  const index = new Int32Array(4 * H);
  const from = [0, 2, 1, 3];
  for (let b = 0; b < 4; b++) for (let j = 0; j < H; j++) index[b * H + j] = from[b] * H + j;
  return index;
}

type Int64ScalarClass = new (value: number) => unknown;

const requireOptional = createRequire(__filename);

/**
 * The fused LSTM of the active tfjs-node backend, or undefined when the backend is not tfjs-node or its
 * TensorFlow runtime lacks the ops (checked once on a tiny window).
 */
export function nativeFusedLstm(ops: NativeOps | undefined): FusedLstm | undefined {
  const backend = nativeBackend();
  if (!backend || !ops) return undefined;
  let Int64Scalar: Int64ScalarClass;
  try {
    // tfjs has no int64 dtype; tfjs-node passes this class to TensorFlow as an int64 scalar.
    ({ Int64Scalar } = requireOptional('@tensorflow/tfjs-node/dist/int64_tensors') as { Int64Scalar: Int64ScalarClass });
  } catch {
    return undefined;
  }
  const fused = blockLstm(backend, Int64Scalar, ops);
  try {
    // Inside tidy: every tensor these calls make is released here.
    tf.tidy(() => {
      const z = tf.zeros([1, 1]);
      const blocks = fused.forward(tf.zeros([1, 1, 1]), z, z, tf.zeros([2, 4]), tf.zeros([4]));
      fused.backward(tf.zeros([1, 1, 1]), z, z, tf.zeros([2, 4]), tf.zeros([4]), blocks, tf.ones([1, 1, 1])).dw.dataSync();
      const step = { i: z, f: z, g: z, o: z, c: z, tc: z };
      fused.stepBackward(1, 1)(step, z, null, tf.ones([1, 1])).dGates.dataSync();
    });
  } catch {
    return undefined;
  }
  return fused;
}

function blockLstm(backend: NativeKernelBackend, Int64Scalar: Int64ScalarClass, ops: NativeOps): FusedLstm {
  const { binding } = backend;
  const typeAttr: NativeAttr = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const noPeephole: NativeAttr = { name: 'use_peephole', type: binding.TF_ATTR_BOOL, value: false };
  const forwardAttrs = [{ name: 'cell_clip', type: binding.TF_ATTR_FLOAT, value: 0 }, noPeephole, typeAttr];
  const backwardAttrs = [noPeephole, typeAttr];
  // Every call runs in the caller's tf.tidy; the zero peephole weights are made per call.
  const common = (x: tf.Tensor, h0: tf.Tensor, c0: tf.Tensor, w: tf.Tensor, b: tf.Tensor): unknown[] => {
    const z = tf.zeros([h0.shape[1] as number]);
    return [new Int64Scalar(x.shape[0]), x, c0, h0, w, z, z, z, b];
  };
  return {
    ops,
    forward(x, h0, c0, w, b) {
      const [i, c, f, o, g, tc, h] = backend.executeMultipleOutputs('BlockLSTMV2', forwardAttrs, common(x, h0, c0, w, b), 7);
      return { i, f, g, o, c, tc, h };
    },
    backward(x, h0, c0, w, b, k, hGrad) {
      const inputs = [...common(x, h0, c0, w, b), k.i, k.c, k.f, k.o, k.g, k.tc, k.h, tf.zerosLike(hGrad), hGrad];
      const [dx, , , dw, , , , db] = backend.executeMultipleOutputs('BlockLSTMGradV2', backwardAttrs, inputs, 8);
      return { dx, dw, db };
    },
    stepBackward(B, H) {
      // The kernel reads only the shapes of x, h, w and b: placeholders with no input columns.
      const x = tf.zeros([B, 0]);
      const w = tf.zeros([H, 4 * H]);
      const b = tf.zeros([4 * H]);
      const z = tf.zeros([H]);
      let noGrad: tf.Tensor | undefined;
      return (k, cPrev, dc, dh) => {
        const inputs = [x, cPrev, dh, w, z, z, z, b, k.i, k.c, k.f, k.o, k.g, k.tc, dc ?? (noGrad ??= tf.zeros([B, H])), dh];
        const [dcPrev, dGates] = backend.executeMultipleOutputs('LSTMBlockCellGrad', backwardAttrs, inputs, 5);
        return { dcPrev, dGates };
      };
    },
  };
}
