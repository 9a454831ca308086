import { paramShapes } from '../../../model/param-set';
import type { ModelSpec } from '../../../model/model-spec';
import type { TensorRef } from './graph-builder';
import { lstmGraphForward, type BuiltGraph } from './lstm-graph-forward';

/** The fixed sizes of one training-window graph (each combination is its own graph). */
export interface TrainGraphShape {
  /** Window steps T and streams B. */
  readonly steps: number;
  readonly batch: number;
  /** Losses on steps lossFrom..T−1; outputs for steps outputsFrom..T−1. */
  readonly lossFrom: number;
  readonly outputsFrom: number;
  /** Fetch every step's h and c ([T, B, H] per layer) instead of only the last step's ([B, H]). */
  readonly allStates: boolean;
}

/**
 * The graph of one LSTM training window, the same computation as the eager fused path (tfjs-engine.ts with
 * the fused kernels): BlockLSTMV2 per layer forward, the head and its loss, then per layer from the top the
 * one-step gradient kernel (LSTMBlockCellGrad) and a matMul per step, and the weight gradients of all
 * steps in one matMul each.
 *
 * Feeds, in order: the input (token ids [T·B] int32, or dense rows [T·B, I]), the targets of the loss steps
 * (class ids [n·B] int32, or values [n·B, C]), h0 and c0 [B, H] of each layer, then every parameter in
 * paramShapes order (PyTorch names and shapes).
 * Fetches, in order: the per-row loss [n·B], the outputs [(T − outputsFrom)·B, C] (softmax probabilities
 * or values), the gradient of every parameter in paramShapes order, then per layer h and c (after the last
 * step [B, H], or after every step [T, B, H] with allStates).
 */
export function buildTrainGraph(spec: ModelSpec, shape: TrainGraphShape): BuiltGraph {
  const { steps: T, batch: B, lossFrom, outputsFrom } = shape;
  const H = spec.hiddenSize;
  const I = spec.inputSize;
  const C = spec.outputSize;
  const GH = 4 * H;
  const n = T - lossFrom;
  const softmax = spec.head === 'softmax';
  const fwd = lstmGraphForward(spec, T, B, [softmax
    ? { name: 'targets', dtype: 'int32', shape: [n * B] }
    : { name: 'targets', dtype: 'float32', shape: [n * B, C] }]);
  const { g, o, input, initial, param, block, layerRows, oneHot, encoded, folded, gateOrder } = fwd;
  const [targets] = fwd.extra;

  // ---- Head: decoder over steps from..T−1, the loss on lossFrom..T−1 and its gradient w.r.t. the logits.
  const from = Math.min(outputsFrom, lossFrom);
  const stepRows = (x: TensorRef, first: number, count: number, width: number): TensorRef =>
    o.reshape(first === 0 && count === T ? x : o.slice(x, [first, 0, 0], [count, B, width]), [count * B, width]);
  const hFrom = stepRows(block(spec.layers - 1, 6), from, T - from, H);
  const logits = o.add(o.matMul(hFrom, param('decoder.weight'), false, true), param('decoder.bias'));
  const rowsFrom = (x: TensorRef, s: number, width: number): TensorRef =>
    (s === from ? x : o.slice(x, [(s - from) * B, 0], [(T - s) * B, width]));
  const lossLogits = rowsFrom(logits, lossFrom, C);
  let rowLoss: TensorRef;
  let dLogits: TensorRef;
  if (softmax) {
    rowLoss = g.node('SparseSoftmaxCrossEntropyWithLogits', [lossLogits, targets], { T: { type: 'float32' }, Tlabels: { type: 'int32' } });
    dLogits = o.scale(`${rowLoss}:1`, 1 / (n * B));
  } else {
    const diff = o.sub(lossLogits, targets);
    rowLoss = o.mean(o.square(diff), 1);
    dLogits = o.scale(diff, 2 / (n * B * C));
  }
  const outLogits = rowsFrom(logits, outputsFrom, C);
  const outputs = softmax ? o.softmax(outLogits) : o.identity(outLogits);
  const grads = new Map<string, TensorRef>();
  grads.set('decoder.weight', o.matMul(dLogits, rowsFrom(hFrom, lossFrom, H), true, false));
  grads.set('decoder.bias', o.sum(dLogits, 0));
  const dHidden = o.unstack(o.reshape(o.matMul(dLogits, param('decoder.weight')), [n, B, H]), n);
  let dExt: Array<TensorRef | undefined> = Array.from({ length: T }, (_, t) => (t < lossFrom ? undefined : dHidden[t - lossFrom]));

  // ---- Backward, layer by layer from the top: per step the one-step kernel (gate order i, g, f, o) and
  // the state gradient; then the weight gradients of all steps at once.
  for (let l = spec.layers - 1; l >= 0; l--) {
    const { rows: xRows, inSize } = layerRows[l];
    const whhGates = o.gatherRows(param(`rnn.weight_hh_l${l}`), gateOrder);
    const dG: TensorRef[] = new Array(T);
    let dh: TensorRef | undefined;
    let dc: TensorRef | undefined;
    for (let t = T - 1; t >= 0; t--) {
      const ext = dExt[t];
      const dhT = ext && dh ? o.add(ext, dh) : (ext ?? dh);
      if (!dhT) throw new Error('internal: no gradient reaches the last step');
      const step = fwd.stepGrad(l, t, dhT, dc);
      dG[t] = step.dGates;
      dc = step.dcPrev;
      dh = o.matMul(step.dGates, whhGates);
    }
    const dGAll = o.concat(dG, 0); // [T·B, 4H], gate order i, g, f, o
    const hPrev = T === 1 ? initial[l].h : o.concat([initial[l].h, stepRows(block(l, 6), 0, T - 1, H)], 0);
    grads.set(`rnn.weight_hh_l${l}`, o.gatherRows(o.matMul(dGAll, hPrev, true, false), gateOrder));
    const db = o.gatherRows(o.sum(dGAll, 0), gateOrder);
    grads.set(`rnn.bias_hh_l${l}`, db);
    grads.set(`rnn.bias_ih_l${l}`, db);
    // [4H, in]; one-hot rows are summed per token id.
    const dWih = o.gatherRows(l === 0 && oneHot ? o.transpose(o.segmentSum(dGAll, input, I)) : o.matMul(dGAll, xRows, true, false), gateOrder);
    const wih = param(`rnn.weight_ih_l${l}`);
    if (l === 0 && folded) {
      // dW_ih = dPᵀ·Eᵀ + db⊗b_E, dE = W_ihᵀ·dPᵀ, db_E = db·W_ih, with dPᵀ = dWih [4H, I].
      const E = spec.embedSize as number;
      grads.set('rnn.weight_ih_l0', o.add(o.matMul(dWih, param('encoder.weight'), false, true),
        o.matMul(o.reshape(db, [GH, 1]), o.reshape(param('encoder.bias'), [1, E]))));
      grads.set('encoder.weight', o.matMul(wih, dWih, true, false));
      grads.set('encoder.bias', o.reshape(o.matMul(o.reshape(db, [1, GH]), wih), [E]));
      break;
    }
    grads.set(`rnn.weight_ih_l${l}`, dWih);
    if (l === 0 && !encoded) break;
    const dIn = o.matMul(dGAll, o.gatherRows(wih, gateOrder)); // [T·B, in]
    if (l > 0) {
      dExt = o.unstack(o.reshape(dIn, [T, B, inSize]), T);
    } else {
      grads.set('encoder.weight', spec.inputKind === 'tokens' ? o.transpose(o.segmentSum(dIn, input, I)) : o.matMul(dIn, input, true, false));
      grads.set('encoder.bias', o.sum(dIn, 0));
    }
  }

  // ---- Fetches.
  const fetches: TensorRef[] = [rowLoss, outputs];
  const fetched = new Set<TensorRef>();
  for (const [name] of paramShapes(spec)) {
    const ref = grads.get(name);
    if (!ref) throw new Error(`internal: the training graph has no gradient for ${name}`);
    // A session fetches each tensor once: the two biases share theirs, so one goes through an Identity.
    fetches.push(fetched.has(ref) ? o.identity(ref) : ref);
    fetched.add(ref);
  }
  for (let l = 0; l < spec.layers; l++) {
    for (const k of [6, 1]) {
      const all = block(l, k);
      fetches.push(shape.allStates ? all : o.reshape(o.slice(all, [T - 1, 0, 0], [1, B, H]), [B, H]));
    }
  }
  return { graph: g, feeds: fwd.feeds, fetches };
}
