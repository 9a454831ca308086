import type { ModelSpec } from '../../../model/model-spec';
import type { TensorRef } from './graph-builder';
import { lstmGraphForward, type BuiltGraph } from './lstm-graph-forward';

/** The fixed sizes of one diagnostic-pass graph. */
export interface DiagnoseGraphShape {
  readonly steps: number;
  readonly batch: number;
}

/**
 * The graph of the diagnostic pass (method.md section 1.2; tfjs-diagnose.ts eagerly): the forward pass,
 * the last step's batch-mean loss, and its gradient propagated back through the states only (no weight
 * gradients), step by step, each step top layer first.
 *
 * Feeds, in order: the input (as buildTrainGraph's), the last step's targets (class ids [B] int32, or values
 * [B, C]), h0 and c0 [B, H] of each layer, then every parameter in paramShapes order.
 * Fetches: sumSq [T, B], per lag j (the state entering step T−1−j) and stream the squared norm of the
 * gradient w.r.t. the whole state (h and c of every layer); mean [T, S], its mean over the streams
 * (S = 2·L·H, layer by layer h then c).
 */
export function buildDiagnoseGraph(spec: ModelSpec, shape: DiagnoseGraphShape): BuiltGraph {
  const { steps: T, batch: B } = shape;
  const H = spec.hiddenSize;
  const C = spec.outputSize;
  const L = spec.layers;
  const softmax = spec.head === 'softmax';
  const fwd = lstmGraphForward(spec, T, B, [softmax
    ? { name: 'targets', dtype: 'int32', shape: [B] }
    : { name: 'targets', dtype: 'float32', shape: [B, C] }]);
  const { g, o, param, block, gateOrder } = fwd;
  const [targets] = fwd.extra;

  // ---- The last step's loss and its gradient w.r.t. the top layer's h there, [B, H].
  const hLast = o.reshape(o.slice(block(L - 1, 6), [T - 1, 0, 0], [1, B, H]), [B, H]);
  const logits = o.add(o.matMul(hLast, param('decoder.weight'), false, true), param('decoder.bias'));
  const dLogits = softmax
    ? o.scale(`${g.node('SparseSoftmaxCrossEntropyWithLogits', [logits, targets], { T: { type: 'float32' }, Tlabels: { type: 'int32' } })}:1`, 1 / B)
    : o.scale(o.sub(logits, targets), 2 / (B * C));
  const dTopLast = o.matMul(dLogits, param('decoder.weight'));

  // ---- State gradients only, lag by lag.
  const whh = Array.from({ length: L }, (_, l) => o.gatherRows(param(`rnn.weight_hh_l${l}`), gateOrder));
  const wih = Array.from({ length: L }, (_, l) => (l > 0 ? o.gatherRows(param(`rnn.weight_ih_l${l}`), gateOrder) : ''));
  const dh: Array<TensorRef | undefined> = new Array(L).fill(undefined);
  const dc: Array<TensorRef | undefined> = new Array(L).fill(undefined);
  const lags: TensorRef[][] = Array.from({ length: 2 * L }, () => []); // h then c, layer by layer
  for (let t = T - 1; t >= 0; t--) {
    let ext: TensorRef | undefined = t === T - 1 ? dTopLast : undefined;
    for (let l = L - 1; l >= 0; l--) {
      const own = dh[l];
      const dhT = ext && own ? o.add(ext, own) : (ext ?? own);
      if (!dhT) throw new Error('internal: no state gradient reaches this step');
      const step = fwd.stepGrad(l, t, dhT, dc[l]);
      dh[l] = o.matMul(step.dGates, whh[l]);
      dc[l] = step.dcPrev;
      ext = l > 0 ? o.matMul(step.dGates, wih[l]) : undefined;
    }
    for (let l = 0; l < L; l++) {
      lags[2 * l].push(dh[l] as TensorRef);
      lags[2 * l + 1].push(dc[l] as TensorRef);
    }
  }

  // ---- Reductions over all lags at once, per state part: [T·B, H] rows (lag-major) → [T, B] and [T, H].
  const sumSqParts: TensorRef[] = [];
  const meanParts: TensorRef[] = [];
  for (const part of lags) {
    const all = o.concat(part, 0);
    sumSqParts.push(o.reshape(o.sum(o.square(all), 1), [T, B]));
    meanParts.push(o.mean(o.reshape(all, [T, B, H]), 1));
  }
  const sumSq = g.node('AddN', sumSqParts, { N: { int: sumSqParts.length }, T: { type: 'float32' } });
  return { graph: g, feeds: fwd.feeds, fetches: [sumSq, o.concat(meanParts, 1)] };
}
