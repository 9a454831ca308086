import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTsEngine } from '../../../src/learner/engines/ts/ts-engine';
import { initParams } from '../../../src/learner/model/init-params';
import type { ModelSpec } from '../../../src/learner/model/model-spec';
import { OnlineLearner } from '../../../src/learner/online/online-learner';
import { TruncationController } from '../../../src/learner/online/truncation-controller';
import { Sgd } from '../../../src/learner/optim/sgd';
import { TruncationEstimator } from '../../../src/learner/truncation/truncation-estimator';
import { createRng } from '../../../src/util/rng';

const spec: ModelSpec = { cell: 'rnn', layers: 1, inputSize: 4, inputKind: 'tokens', hiddenSize: 8, outputSize: 4, head: 'softmax' };

/** A learner whose recurrent weights are scaled by `recurrentScale` (small = fast gradient decay). */
function setup(mode: 'adaptive' | 'fixed', recurrentScale: number, clock: { t: number }) {
  const params = initParams(spec, 'paper', createRng(11));
  for (const v of [params.tensors.get('rnn.weight_hh_l0')!.data]) for (let i = 0; i < v.length; i++) v[i] *= recurrentScale;
  const learner = new OnlineLearner({
    spec, engine: createTsEngine(), params, optimizer: new Sgd(), scheme: 'paper', k: 15,
    learningRate: 0, lrScaling: 'none', clipNorm: 0, maxGradNorm: 0, historySteps: 80,
  });
  const estimator = new TruncationEstimator({ window: 40, tau: 36, kMin: 2, kMax: 30, repeats: 1, delta: 0.1, k0: 15 });
  const rng = createRng(5);
  const controller = new TruncationController(learner, estimator, {
    mode, everyWindows: 3, everyMs: 0, streams: 4, now: () => clock.t, random: () => rng.next(),
  });
  return { learner, controller, estimator };
}

function feed(learner: OnlineLearner, controller: TruncationController, steps: number) {
  const rng = createRng(9);
  const reports = [];
  for (let t = 0; t < steps; t++) {
    for (const key of ['a', 'b', 'c', 'd', 'e']) learner.observe({ key, x: rng.int(4), y: rng.int(4) });
    const ready = learner.readyKeys();
    if (ready.length > 0) {
      for (const _ of learner.learn(ready)) {
        const r = controller.afterWindow();
        if (r) reports.push(r);
      }
    }
  }
  return reports;
}

describe('TruncationController', () => {
  it('adaptive mode: fast-decaying gradients shrink K from k0 and the new K holds the bias under δ', () => {
    const clock = { t: 0 };
    const { learner, controller } = setup('adaptive', 0.2, clock);
    const reports = feed(learner, controller, 200);
    assert.ok(reports.length >= 2, `ran ${reports.length} diagnostics`);
    const last = reports[reports.length - 1];
    assert.ok(last.k < 15, `K should shrink below k0 = 15, got ${last.k}`);
    assert.equal(learner.k, last.k);
    assert.ok(last.relBias < 0.1, `δ̂ at the chosen K is ${last.relBias}`);
    assert.ok(last.logBeta < Math.log(0.5), `β̂ = ${Math.exp(last.logBeta)}`);
    assert.equal(last.streams, 4);
    assert.equal(last.meanLagNorms.length, 40);
  });

  it('adaptive mode: slowly decaying gradients need a longer K than fast ones', () => {
    const fast = setup('adaptive', 0.2, { t: 0 });
    const slow = setup('adaptive', 1.6, { t: 0 });
    const kFast = feed(fast.learner, fast.controller, 200).at(-1)!.k;
    const kSlow = feed(slow.learner, slow.controller, 200).at(-1)!.k;
    assert.ok(kSlow > kFast, `slow-decay K ${kSlow} should exceed fast-decay K ${kFast}`);
  });

  it('fixed mode keeps K and still reports the bias at that K', () => {
    const { learner, controller } = setup('fixed', 0.2, { t: 0 });
    const reports = feed(learner, controller, 200);
    assert.ok(reports.length >= 2);
    for (const r of reports) assert.equal(r.k, 15);
    assert.equal(learner.k, 15);
    assert.ok(Number.isFinite(reports.at(-1)!.relBias) && reports.at(-1)!.relBias < 0.1);
  });

  it('runs on wall time when everyMs is set, and counts diagnostics that find no key with W steps', () => {
    const clock = { t: 0 };
    const params = initParams(spec, 'paper', createRng(1));
    const learner = new OnlineLearner({
      spec, engine: createTsEngine(), params, optimizer: new Sgd(), scheme: 'classic', k: 2,
      learningRate: 0, lrScaling: 'none', clipNorm: 0, maxGradNorm: 0, historySteps: 80,
    });
    const estimator = new TruncationEstimator({ window: 40, tau: 36, k0: 2 });
    const controller = new TruncationController(learner, estimator, {
      mode: 'adaptive', everyWindows: 0, everyMs: 1000, streams: 2, now: () => clock.t, random: () => 0.5,
    });
    assert.equal(controller.afterWindow(), undefined);
    clock.t = 999;
    assert.equal(controller.afterWindow(), undefined);
    assert.equal(controller.insufficientHistory, 0);
    clock.t = 1000;
    assert.equal(controller.afterWindow(), undefined, 'no key has 40 steps yet');
    assert.equal(controller.insufficientHistory, 1);
    for (let t = 0; t < 41; t++) learner.observe({ key: 'a', x: t % 4, y: (t + 1) % 4 });
    clock.t = 2500;
    const r = controller.afterWindow();
    assert.ok(r, 'a diagnostic runs once a key has W steps');
    assert.equal(r.streams, 1);
  });
});
