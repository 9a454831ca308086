import * as tf from '@tensorflow/tfjs-core';

/**
 * How to cut tensors into blocks on one backend. tf.split is one op on tensorflow; on wasm every slice
 * first copies the whole input out of the heap (so splitting T steps out of a [T·B, n] tensor costs T
 * whole copies), and column splits are cheaper as separate slices.
 */
export interface TensorSplits {
  /** [n·r, c] → n tensors [r, c] (consecutive row blocks). */
  rows(x: tf.Tensor, n: number): tf.Tensor[];
  /** [r, n·c] → n tensors [r, c] (consecutive column blocks). */
  cols(x: tf.Tensor, n: number): tf.Tensor[];
  /** aᵀ·b (wasm: through an explicit transpose, its matMul with a transpose flag is slow). */
  matMulTA(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/** tf.split along either axis. */
export const nativeSplits: TensorSplits = {
  rows: (x, n) => (n === 1 ? [x] : tf.split(x, n, 0)),
  cols: (x, n) => tf.split(x, n, 1),
  matMulTA: (a, b) => tf.matMul(a, b, true, false),
};

/** wasm: rows by one download and n small uploads; columns by n slices. */
export const wasmSplits: TensorSplits = {
  rows(x, n) {
    if (n === 1) return [x];
    const [rows, cols] = x.shape as [number, number];
    const values = x.dataSync() as Float32Array;
    const size = (rows / n) * cols;
    return Array.from({ length: n }, (_, i) => tf.tensor2d(values.subarray(i * size, (i + 1) * size), [rows / n, cols]));
  },
  cols(x, n) {
    const [rows, cols] = x.shape as [number, number];
    const c = cols / n;
    return Array.from({ length: n }, (_, i) => tf.slice(x, [0, i * c], [rows, c]));
  },
  matMulTA: (a, b) => tf.matMul(tf.transpose(a), b),
};
