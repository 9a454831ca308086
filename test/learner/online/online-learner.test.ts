import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { SequenceStep } from '../../../src/domain/sequence-step';
import { createTsEngine } from '../../../src/learner/engines/ts/ts-engine';
import { initParams } from '../../../src/learner/model/init-params';
import type { ModelSpec } from '../../../src/learner/model/model-spec';
import { cloneParams } from '../../../src/learner/model/param-set';
import { zeroState } from '../../../src/learner/model/recurrent-state';
import { Sgd } from '../../../src/learner/optim/sgd';
import { clipGradNorm } from '../../../src/learner/optim/clip-grad-norm';
import { OnlineLearner } from '../../../src/learner/online/online-learner';
import { windowPlan, windowStart } from '../../../src/learner/online/window-plan';
import { createRng } from '../../../src/util/rng';

const spec: ModelSpec = { cell: 'lstm', layers: 2, inputSize: 5, inputKind: 'tokens', embedSize: 4, hiddenSize: 6, outputSize: 5, head: 'softmax' };

/** A token sequence per key (deterministic). */
function tokens(seed: number, n: number): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.int(spec.inputSize));
}

function step(key: string, seq: number[], t: number): SequenceStep {
  return { key, x: seq[t], y: seq[(t + 1) % seq.length], source: { topic: 'in', partition: 0, offset: String(t) } };
}

function makeLearner(k: number, lr: number, scheme: 'paper' | 'classic' = 'paper', maxStreams?: number, groupOf?: (s: SequenceStep) => string | undefined) {
  const engine = createTsEngine();
  const params = initParams(spec, 'paper', createRng(3));
  const learner = new OnlineLearner({
    spec, engine, params, optimizer: new Sgd({ weightDecay: 1e-5 }), scheme, k, learningRate: lr,
    lrScaling: 'sqrt', clipNorm: 1, maxGradNorm: 0, historySteps: 64, ...(maxStreams ? { maxStreams } : {}), ...(groupOf ? { groupOf } : {}),
  });
  return { engine, params, learner };
}

describe('OnlineLearner', () => {
  it('trains every step of every key exactly once, in order, as B streams of one window', () => {
    const { learner } = makeLearner(4, 0.1);
    const seqs = new Map(['a', 'b', 'c'].map((k, i) => [k, tokens(10 + i, 40)]));
    const seen = new Map<string, number[]>();
    for (let t = 0; t < 39; t++) {
      for (const [key, seq] of seqs) learner.observe(step(key, seq, t));
      const ready = learner.readyKeys();
      if (ready.length === 3) {
        for (const r of learner.learn(ready)) {
          for (const o of r.outcomes) {
            const list = seen.get(o.key) ?? [];
            list.push(Number(o.source!.offset));
            seen.set(o.key, list);
          }
        }
      }
    }
    for (const key of seqs.keys()) {
      assert.deepEqual(seen.get(key), Array.from({ length: 36 }, (_, i) => i), `key ${key}`);
      assert.equal(learner.history(key)!.pending, 3);
    }
  });

  it('with learning rate 0 its predictions equal one long forward pass (state carried exactly, K changes included)', () => {
    const { engine, params, learner } = makeLearner(3, 0);
    const seq = tokens(42, 60);
    const outputs: Float32Array[] = [];
    const ks = [3, 3, 5, 5, 2, 7, 7, 4, 4, 4, 4, 4, 4, 4];
    let w = 0;
    for (let t = 0; t < 59; t++) {
      learner.observe(step('k', seq, t));
      if (learner.readyKeys().length > 0) {
        for (const r of learner.learn(['k'])) outputs.push(...r.outcomes.map((o) => o.output));
        learner.setK(ks[Math.min(++w, ks.length - 1)]);
      }
    }
    const n = outputs.length;
    assert.ok(n >= 40, `trained ${n} steps`);
    const long = engine.forward(spec, params, {
      batch: 1, steps: n,
      inputs: seq.slice(0, n).map((v) => Int32Array.of(v)),
      targets: seq.slice(1, n + 1).map((v) => Int32Array.of(v)),
    }, zeroState(spec, 1), { outputsFrom: 0 });
    for (let t = 0; t < n; t++) {
      for (let c = 0; c < spec.outputSize; c++) {
        assert.ok(Math.abs(outputs[t][c] - long.outputs[t][c]) < 1e-5, `step ${t} class ${c}: ${outputs[t][c]} vs ${long.outputs[t][c]}`);
      }
    }
  });

  it('reproduces the paper scheme: windows of 2K−1 from the state 2K−1 steps back, losses on the newest K, clip 1/K, γ0·√K', () => {
    const K = 4;
    const lr = 0.3;
    const { engine, learner } = makeLearner(K, lr);
    const reference = cloneParams(learner['options'].params);
    const opt = new Sgd({ weightDecay: 1e-5 });
    const seq = tokens(7, 41);
    for (let t = 0; t < 40; t++) {
      learner.observe(step('k', seq, t));
      if (learner.readyKeys().length > 0) learner.learn(['k']);
    }
    // The same schedule written out directly: window i trains steps [iK, iK + K) from the state entering
    // max(0, iK − (K − 1)), which is carried from the previous window's forward pass.
    const plan = windowPlan('paper', K);
    let carried = zeroState(spec, 1);
    let carriedPos = 0;
    for (let first = 0; first + K <= 40; first += K) {
      const start = windowStart(plan, first);
      assert.equal(start, carriedPos);
      const T = first + K - start;
      const win = {
        batch: 1, steps: T,
        inputs: seq.slice(start, start + T).map((v) => Int32Array.of(v)),
        targets: seq.slice(start + 1, start + T + 1).map((v) => Int32Array.of(v)),
      };
      const next = windowStart(plan, first + K);
      const res = engine.trainWindow(spec, reference, win, carried, { lossFrom: T - K, keepStatesAfter: [next - start - 1] });
      clipGradNorm(res.grads, 1 / K);
      opt.step(reference, res.grads, lr * Math.sqrt(K));
      carried = res.keptStates[0];
      carriedPos = next;
    }
    for (const [name, t] of reference.tensors) {
      const mine = learner['options'].params.tensors.get(name)!.data;
      for (let i = 0; i < t.data.length; i++) assert.ok(Math.abs(mine[i] - t.data[i]) < 1e-6, `${name}[${i}]`);
    }
  });

  it('skips updates whose loss is not finite and counts them', () => {
    const { learner, params } = makeLearner(2, 0.1);
    params.tensors.get('decoder.bias')!.data[0] = Number.NaN;
    const before = cloneParams(params);
    const seq = tokens(1, 10);
    for (let t = 0; t < 4; t++) learner.observe(step('k', seq, t));
    const [r] = learner.learn(['k']);
    assert.equal(r.skipped, 'non-finite');
    assert.equal(learner.skippedUpdates, 1);
    assert.deepEqual(Array.from(params.tensors.get('rnn.weight_hh_l0')!.data), Array.from(before.tensors.get('rnn.weight_hh_l0')!.data));
  });

  it('diagnoses from the real stored state W steps back: equal to a diagnostic over one long forward', () => {
    const { engine, params, learner } = makeLearner(3, 0);
    const seq = tokens(5, 50);
    for (let t = 0; t < 45; t++) {
      learner.observe(step('k', seq, t));
      if (learner.readyKeys().length > 0) learner.learn(['k']);
    }
    const W = 20;
    const diag = learner.diagnose(W, 4)!;
    assert.equal(diag.lagNorms.length, W);
    const pre = engine.forward(spec, params, {
      batch: 1, steps: 45 - W, inputs: seq.slice(0, 45 - W).map((v) => Int32Array.of(v)), targets: [],
    }, zeroState(spec, 1));
    const direct = engine.diagnose(spec, params, {
      batch: 1, steps: W,
      inputs: seq.slice(45 - W, 45).map((v) => Int32Array.of(v)),
      targets: seq.slice(46 - W, 46).map((v) => Int32Array.of(v)),
    }, pre.finalState);
    for (let j = 0; j < W; j++) {
      const a = diag.lagNorms[j][0];
      const b = direct.lagNorms[j][0];
      assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1e-6, b) + 1e-9, `lag ${j}: ${a} vs ${b}`);
    }
  });
});

describe('OnlineLearner.flush', () => {
  it('trains every waiting step once, in shorter windows where fewer than k1 wait, keeping the carried state exact', () => {
    const { engine, params, learner } = makeLearner(4, 0);
    const seqs = new Map([['a', tokens(1, 30)], ['b', tokens(2, 30)]]);
    const trained = new Map<string, number[]>();
    const outputs = new Map<string, Float32Array[]>();
    const collect = (reports: ReturnType<OnlineLearner['learn']>) => {
      for (const r of reports) for (const o of r.outcomes) {
        trained.set(o.key, [...(trained.get(o.key) ?? []), Number(o.source!.offset)]);
        outputs.set(o.key, [...(outputs.get(o.key) ?? []), o.output]);
      }
    };
    for (let t = 0; t < 10; t++) learner.observe(step('a', seqs.get('a')!, t));
    for (let t = 0; t < 7; t++) learner.observe(step('b', seqs.get('b')!, t));
    collect(learner.flush());
    assert.deepEqual(trained.get('a'), Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(trained.get('b'), Array.from({ length: 7 }, (_, i) => i));
    assert.equal(learner.pendingSteps, 0);
    // Training continues normally after a flush, from the exact carried state.
    for (let t = 10; t < 22; t++) {
      learner.observe(step('a', seqs.get('a')!, t));
      if (learner.readyKeys().length > 0) collect(learner.learn(learner.readyKeys()));
    }
    const seq = seqs.get('a')!;
    const n = trained.get('a')!.length;
    assert.deepEqual(trained.get('a'), Array.from({ length: n }, (_, i) => i));
    const long = engine.forward(spec, params, {
      batch: 1, steps: n, inputs: seq.slice(0, n).map((v) => Int32Array.of(v)), targets: [],
    }, zeroState(spec, 1), { outputsFrom: 0 });
    outputs.get('a')!.forEach((o, t) => {
      for (let c = 0; c < spec.outputSize; c++) assert.ok(Math.abs(o[c] - long.outputs[t][c]) < 1e-5, `step ${t}`);
    });
  });
});

describe('OnlineLearner.maxStreams', () => {
  it('splits a flush of many keys into windows of at most maxStreams streams, training every step once', () => {
    const { learner } = makeLearner(4, 0.1, 'paper', 3);
    const keys = Array.from({ length: 10 }, (_, i) => `k${i}`);
    for (const [i, key] of keys.entries()) {
      const seq = tokens(100 + i, 10);
      for (let t = 0; t < 6; t++) learner.observe(step(key, seq, t));
    }
    const reports = learner.flush();
    assert.ok(reports.every((r) => r.streams <= 3), `streams per window: ${reports.map((r) => r.streams).join(', ')}`);
    assert.equal(reports.reduce((n, r) => n + r.outcomes.length, 0), 60);
    for (const key of keys) {
      const offsets = reports.flatMap((r) => r.outcomes.filter((o) => o.key === key).map((o) => Number(o.source!.offset)));
      assert.deepEqual(offsets, [0, 1, 2, 3, 4, 5], `key ${key}`);
    }
    assert.equal(learner.pendingSteps, 0);
  });
});

describe('OnlineLearner with a full history', () => {
  it('keeps training when K grows while many steps wait: the window takes the context still stored', () => {
    const { learner } = makeLearner(2, 0.1);
    const seq = tokens(3, 200);
    let t = 0;
    for (; t < 20; t++) {
      learner.observe(step('k', seq, t));
      if (learner.readyKeys().length > 0) learner.learn(['k']);
    }
    // 50 steps wait (history 64), then K jumps to 20: the paper window would want 19 steps of context.
    for (; t < 70; t++) learner.observe(step('k', seq, t));
    learner.setK(20);
    const trained: number[] = [];
    while (learner.readyKeys().length > 0) for (const r of learner.learn(['k'])) trained.push(...r.outcomes.map((o) => Number(o.source!.offset)));
    assert.deepEqual(trained, Array.from({ length: 40 }, (_, i) => 20 + i));
    assert.equal(learner.history('k')!.pending, 10);
  });
});

describe('OnlineLearner with a burst of steps for one key', () => {
  it('queues steps beyond its history and trains them all, once and in order, as full windows', () => {
    const { learner } = makeLearner(4, 0.1);
    const seq = tokens(8, 400);
    for (let t = 0; t < 300; t++) learner.observe(step('burst', seq, t)); // history holds 64
    assert.equal(learner.pendingSteps, 300);
    const trained: number[] = [];
    let windows = 0;
    while (learner.readyKeys().length > 0) {
      for (const r of learner.learn(learner.readyKeys())) {
        windows++;
        assert.equal(r.outcomes.length, 4, 'full windows of k1 = K steps');
        trained.push(...r.outcomes.map((o) => Number(o.source!.offset)));
      }
    }
    assert.deepEqual(trained, Array.from({ length: 300 }, (_, i) => i));
    assert.equal(windows, 75);
    assert.equal(learner.pendingSteps, 0);
  });

  it('counts untrained steps per group (each key in the partition of its latest step) through training, flushes, moves, forget and adopt', () => {
    const { learner } = makeLearner(4, 0.1, 'classic', undefined, (s) => (s.source ? `p${s.source.partition}` : undefined));
    const seq = tokens(5, 100);
    const at = (key: string, t: number, partition: number): SequenceStep => ({ ...step(key, seq, t), source: { topic: 'in', partition, offset: String(t) } });
    const groups = () => Object.fromEntries([...learner.pendingGroups()].sort().map(([g, l]) => [g, [l.steps, l.keys]]));
    for (let t = 0; t < 10; t++) learner.observe(at('a', t, 0));
    for (let t = 0; t < 6; t++) learner.observe(at('b', t, 1));
    learner.observe(step('c', seq, 0)); // same source partition 0 as a
    assert.deepEqual(groups(), { p0: [11, 2], p1: [6, 1] }, '[untrained steps, keys holding any]');
    assert.deepEqual(learner.pendingIn('p1'), { steps: 6, keys: 1 });
    assert.deepEqual(learner.pendingIn('p9'), { steps: 0, keys: 0 });
    learner.learn(['a', 'b']); // one window of K = 4 new steps each
    assert.deepEqual(groups(), { p0: [7, 2], p1: [2, 1] });
    // a's next step comes from partition 2: its waiting steps move with it.
    learner.observe(at('a', 10, 2));
    assert.deepEqual(groups(), { p0: [1, 1], p1: [2, 1], p2: [7, 1] });
    learner.flush(['b']);
    assert.deepEqual(groups(), { p0: [1, 1], p2: [7, 1] });
    const a = learner.snapshotKey('a')!;
    learner.forget('a');
    assert.deepEqual(groups(), { p0: [1, 1] });
    learner.adopt([a], [], () => 'p3');
    assert.deepEqual(groups(), { p0: [1, 1], p3: [7, 1] });
    const total = [...learner.pendingGroups().values()].reduce((x, y) => x + y.steps, 0);
    assert.equal(total, learner.pendingSteps, 'every pending step is in exactly one group');
    learner.flush();
    assert.deepEqual(groups(), {});
  });
});
