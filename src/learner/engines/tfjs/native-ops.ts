import * as tf from '@tensorflow/tfjs-core';

/** The parts of tfjs-node's kernel backend the native paths use (it runs any TensorFlow op by name). */
export interface NativeKernelBackend {
  executeMultipleOutputs(name: string, attrs: NativeAttr[], inputs: unknown[], outputs: number): tf.Tensor[];
  executeSingleOutput(name: string, attrs: NativeAttr[], inputs: unknown[]): tf.Tensor;
  readonly binding: {
    readonly TF_ATTR_FLOAT: number; readonly TF_ATTR_BOOL: number; readonly TF_ATTR_TYPE: number;
    readonly TF_FLOAT: number; readonly TF_INT32: number;
  };
}

/** One attribute of a TensorFlow op. */
export interface NativeAttr { name: string; type: number; value: number | boolean }

/** The active backend as tfjs-node's kernel backend, or undefined on any other backend. */
export function nativeBackend(): NativeKernelBackend | undefined {
  const backend = tf.backend() as unknown as Partial<NativeKernelBackend>;
  if (tf.getBackend() !== 'tensorflow' || typeof backend.executeMultipleOutputs !== 'function'
    || typeof backend.executeSingleOutput !== 'function' || !backend.binding) return undefined;
  return backend as NativeKernelBackend;
}

/**
 * Single TensorFlow ops called directly, without tfjs's per-op bookkeeping (an add of [16, 128] costs
 * 15 µs this way against 25–40 µs through tf.add): the per-step work of the fused backward loop, and the
 * softmax cross-entropy head in one op instead of about ten.
 */
export interface NativeOps {
  /** a + b, float32, same shapes. */
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /** a·b, float32, 2-D, no transposes. */
  matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
  /**
   * Per row, the cross-entropy of softmax(logits [N, C]) against class ids [N] (int32) and its gradient
   * w.r.t. the logits, softmax − onehot (SparseSoftmaxCrossEntropyWithLogits).
   */
  softmaxCrossEntropy(logits: tf.Tensor, ids: tf.Tensor): { loss: tf.Tensor; dLogits: tf.Tensor };
}

/** The native ops of the active backend, or undefined when it is not tfjs-node or lacks them. */
export function nativeOps(): NativeOps | undefined {
  const backend = nativeBackend();
  if (!backend) return undefined;
  const { binding } = backend;
  const typeAttr: NativeAttr = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT };
  const noTranspose = (name: string): NativeAttr => ({ name, type: binding.TF_ATTR_BOOL, value: false });
  const matMulAttrs = [noTranspose('transpose_a'), noTranspose('transpose_b'), typeAttr];
  const ceAttrs = [typeAttr, { name: 'Tlabels', type: binding.TF_ATTR_TYPE, value: binding.TF_INT32 }];
  const ops: NativeOps = {
    add: (a, b) => backend.executeSingleOutput('AddV2', [typeAttr], [a, b]),
    matMul: (a, b) => backend.executeSingleOutput('MatMul', matMulAttrs, [a, b]),
    softmaxCrossEntropy(logits, ids) {
      const [loss, dLogits] = backend.executeMultipleOutputs('SparseSoftmaxCrossEntropyWithLogits', ceAttrs, [logits, ids], 2);
      return { loss, dLogits };
    },
  };
  try {
    tf.tidy(() => {
      ops.matMul(ops.add(tf.ones([1, 2]), tf.ones([1, 2])), tf.ones([2, 1])).dataSync();
      ops.softmaxCrossEntropy(tf.zeros([1, 2]), tf.tensor1d([1], 'int32')).loss.dataSync();
    });
  } catch {
    return undefined;
  }
  return ops;
}
