import * as tf from '@tensorflow/tfjs-core';
import type { ModelSpec } from '../../model/model-spec';
import type { NativeOps } from './native-ops';

/** Loss of n steps × B streams and its gradient w.r.t. the decoder output. */
export interface HeadLoss {
  /** Per row (time-major step, stream) loss [n·B]: cross-entropy in nats, or mean over C of squared error. */
  readonly rowLoss: tf.Tensor;
  /** Gradient of the mean over the n steps of the batch-mean loss w.r.t. the logits [n·B, C]. */
  readonly dLogits: tf.Tensor;
}

/**
 * The head's loss with PyTorch's mean reductions (with `native`, the softmax cross-entropy is one op): softmax cross-entropy averaged over B, or squared error
 * averaged over B·C; then averaged over the n steps. `targets`: class ids [n·B] (int32) or values [n·B, C].
 */
export function headLoss(spec: ModelSpec, logits: tf.Tensor, targets: tf.Tensor, steps: number, batch: number,
  native?: NativeOps): HeadLoss {
  if (spec.head === 'softmax' && native) {
    const { loss, dLogits } = native.softmaxCrossEntropy(logits, targets);
    return { rowLoss: loss, dLogits: tf.mul(dLogits, 1 / (steps * batch)) };
  }
  if (spec.head === 'softmax') {
    const logp = tf.logSoftmax(logits);
    const onehot = tf.cast(tf.oneHot(targets as tf.Tensor, spec.outputSize), 'float32') as tf.Tensor;
    return {
      rowLoss: tf.neg(tf.sum(tf.mul(onehot, logp), 1)),
      dLogits: tf.mul(tf.sub(tf.exp(logp), onehot), 1 / (steps * batch)),
    };
  }
  const diff = tf.sub(logits, targets as tf.Tensor);
  return {
    rowLoss: tf.mean(tf.square(diff), 1),
    dLogits: tf.mul(diff, 2 / (steps * batch * spec.outputSize)),
  };
}

/** What the model outputs for given logits: softmax probabilities, or the regression values themselves. */
export function headOutputs(spec: ModelSpec, logits: tf.Tensor): tf.Tensor {
  return spec.head === 'softmax' ? tf.softmax(logits) : logits;
}
