import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { SequenceStep } from '../../../src/domain/sequence-step';
import type { EngineName } from '../../../src/learner/engines/engine';
import { availableEngines, loadEngine } from '../../../src/learner/engines/load-engine';
import { initParams } from '../../../src/learner/model/init-params';
import type { ModelSpec } from '../../../src/learner/model/model-spec';
import type { ParamSet } from '../../../src/learner/model/param-set';
import { createOptimizer } from '../../../src/learner/optim/create-optimizer';
import type { Optimizer } from '../../../src/learner/optim/optimizer';
import { OnlineLearner, type WindowReport } from '../../../src/learner/online/online-learner';
import type { TbpttScheme } from '../../../src/learner/online/window-plan';
import { shareParams } from '../../../src/learner/worker/shared-params';
import { WorkerEngine } from '../../../src/learner/worker/worker-engine';
import { WorkerOptimizer } from '../../../src/learner/worker/worker-optimizer';
import { WorkerRunner } from '../../../src/learner/worker/worker-runner';
import { createRng } from '../../../src/util/rng';

const spec: ModelSpec = { cell: 'lstm', layers: 2, inputSize: 7, inputKind: 'tokens', embedSize: 5, hiddenSize: 8, outputSize: 7, head: 'softmax' };
const KEYS = ['a', 'b', 'c', 'd', 'e'];
const B = 2;

const runners: WorkerRunner[] = [];
after(async () => { for (const r of runners) await r.terminate(); });

interface Built { learner: OnlineLearner; params: ParamSet; optimizer: Optimizer; reports: WindowReport[]; runner?: WorkerRunner; reads: unknown[] }

function options(params: ParamSet, scheme: TbpttScheme) {
  return { spec, params, scheme, k: 4, learningRate: 3e-3, lrScaling: 'sqrt' as const, clipNorm: 1, maxGradNorm: 0, historySteps: 96, maxStreams: B };
}

/** The learner on this thread (the reference). */
async function onThisThread(engine: EngineName, scheme: TbpttScheme): Promise<Built> {
  const params = initParams(spec, 'paper', createRng(3));
  const optimizer = createOptimizer({ kind: 'adam', weightDecay: 1e-4 });
  const learner = new OnlineLearner({ ...options(params, scheme), engine: await loadEngine(engine), optimizer });
  return { learner, params, optimizer, reports: [], reads: [] };
}

/** The same learner training in a worker thread, windows handed over with begin(). */
async function inWorker(engine: EngineName, scheme: TbpttScheme): Promise<Built> {
  const params = shareParams(initParams(spec, 'paper', createRng(3)));
  const runner = await WorkerRunner.start({ spec, batch: B, engine, params, optimizer: { kind: 'adam', weightDecay: 1e-4 } });
  runners.push(runner);
  const optimizer = new WorkerOptimizer('adam', runner);
  const learner = new OnlineLearner({ ...options(params, scheme), engine: new WorkerEngine(runner, params), optimizer, runner });
  const built: Built = { learner, params, optimizer, reports: [], runner, reads: [] };
  learner.onLateWindow((w) => {
    if ('error' in w) throw w.error;
    built.reports.push(w.report);
  });
  runner.onStepDone = () => learner.settle(false);
  return built;
}

/**
 * Feeds the same irregular interleaving of five keys to a learner, training B = 2 ready keys at a time
 * (begin in the worker, learn on this thread); K changes half way; the parameters are rewritten on this
 * thread once (as a checkpoint restore does); the rest is flushed at the end.
 */
async function drive(b: Built, overlap: boolean): Promise<void> {
  const rng = createRng(11);
  const seqs = new Map(KEYS.map((k, i) => {
    const r = createRng(20 + i);
    return [k, { t: 0, tokens: Array.from({ length: 1000 }, () => r.int(spec.inputSize)) }];
  }));
  for (let n = 0; n < 900; n++) {
    const key = KEYS[Math.min(KEYS.length - 1, Math.floor(rng.next() * rng.next() * 7))];
    const s = seqs.get(key)!;
    const step: SequenceStep = { key, x: s.tokens[s.t], y: s.tokens[s.t + 1], source: { topic: 'in', partition: 0, offset: String(s.t) } };
    s.t++;
    b.learner.observe(step);
    while (b.learner.readyKeys().length >= B) {
      const keys = b.learner.readyKeys().slice(0, B);
      b.reports.push(...(overlap ? b.learner.begin(keys) : b.learner.learn(keys)));
    }
    // A key's history read mid-stream (as checkpoints and evictions do) is complete, also while it trains.
    if (n % 37 === 0) b.reads.push(b.learner.snapshotKey(key));
    if (n === 450) b.learner.setK(6);
    if (n === 600) {
      b.learner.settle();
      for (const t of b.params.tensors.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 0.9;
      b.params.version++;
    }
    // Now and then the event loop runs, so finished windows are also applied by the worker's wake-up.
    if (n % 97 === 0) await new Promise((r) => setImmediate(r));
  }
  b.reports.push(...b.learner.flush());
}

const engines: EngineName[] = ['ts', 'tfjs-wasm'];

describe('training in a worker thread', () => {
  for (const engine of engines) {
    for (const scheme of ['paper', 'classic'] as const) {
      it(`${engine}, ${scheme} scheme: the same windows, outputs, parameters, states and optimizer state as on this thread`, async (t) => {
        if (!(await availableEngines()).includes(engine)) return t.skip(`${engine} does not load here`);
        const ref = await onThisThread(engine, scheme);
        await drive(ref, false);
        const w = await inWorker(engine, scheme);
        await drive(w, true);
        assert.ok(ref.reports.length > 60, `${ref.reports.length} windows`);
        assert.equal(w.reports.length, ref.reports.length);
        for (let i = 0; i < ref.reports.length; i++) {
          const [x, y] = [ref.reports[i], w.reports[i]];
          assert.deepEqual(y.outcomes.map((o) => [o.key, o.source?.offset]), x.outcomes.map((o) => [o.key, o.source?.offset]), `window ${i}: keys and steps`);
          assert.deepEqual(y.outcomes.map((o) => o.loss), x.outcomes.map((o) => o.loss), `window ${i}: losses`);
          assert.deepEqual(y.outcomes.map((o) => Array.from(o.output)), x.outcomes.map((o) => Array.from(o.output)), `window ${i}: outputs`);
          assert.equal(y.gradNorm, x.gradNorm, `window ${i}: gradient norm`);
          assert.equal(y.k, x.k);
        }
        assert.deepEqual(w.reads, ref.reads, 'histories read mid-stream');
        for (const [name, p] of ref.params.tensors) assert.deepEqual(Array.from(w.params.tensors.get(name)!.data), Array.from(p.data), name);
        for (const key of KEYS) assert.deepEqual(w.learner.snapshotKey(key), ref.learner.snapshotKey(key), `key ${key}`);
        assert.deepEqual(w.optimizer.snapshot(), ref.optimizer.snapshot());
        assert.equal(w.learner.pendingSteps, 0);
        assert.deepEqual(w.learner.globals(), ref.learner.globals());
      });
    }
  }

  it('reports an engine that cannot start in the worker', async () => {
    const params = shareParams(initParams(spec, 'paper', createRng(3)));
    await assert.rejects(WorkerRunner.start({ spec, batch: 1, engine: 'no-such-engine' as EngineName, params, optimizer: { kind: 'sgd' } }), /unknown engine "no-such-engine"/);
  });

  it('a window that fails in the worker is reported as an error in training order, after the windows before it', async () => {
    const params = shareParams(initParams(spec, 'paper', createRng(3)));
    const runner = await WorkerRunner.start({ spec, batch: 1, engine: 'ts', params, optimizer: { kind: 'sgd' } });
    runners.push(runner);
    const learner = new OnlineLearner({
      ...options(params, 'classic'), maxStreams: 1, engine: new WorkerEngine(runner, params), optimizer: new WorkerOptimizer('sgd', runner), runner,
    });
    const got: string[] = [];
    learner.onLateWindow((w) => got.push('error' in w ? `error: ${w.error.message}` : `window ${w.report.outcomes[0].source?.offset}`));
    // Key a's first window is fine; its second holds a token id outside the vocabulary (the engine refuses it).
    for (let t = 0; t < 8; t++) {
      learner.observe({ key: 'a', x: t === 5 ? 99 : t % spec.inputSize, y: (t + 1) % spec.inputSize, source: { topic: 'in', partition: 0, offset: String(t) } });
      if (learner.readyKeys().length > 0) assert.deepEqual(learner.begin(learner.readyKeys()), []);
    }
    learner.settle();
    assert.equal(got.length, 2, got.join('; '));
    assert.equal(got[0], 'window 0');
    assert.match(got[1], /^error: .*(token|vocabulary|99)/);
    assert.equal(learner.windowsInFlight, 0);
  });

  it('a worker that stops answering ends a wait with an error, and every later request fails at once', async () => {
    const params = shareParams(initParams(spec, 'paper', createRng(3)));
    const runner = await WorkerRunner.start({ spec, batch: 1, engine: 'ts', params, optimizer: { kind: 'sgd' }, replyTimeoutMs: 300 });
    assert.equal((runner.call({ op: 'optimizer-snapshot' }) as { kind: string }).kind, 'sgd');
    void runner.terminate(); // stops the worker's JavaScript at once; its exit is seen only after this wait
    const t0 = Date.now();
    assert.throws(() => runner.call({ op: 'optimizer-snapshot' }), /did not answer within 0.3 s/);
    assert.ok(Date.now() - t0 < 5000);
    assert.throws(() => runner.call({ op: 'optimizer-snapshot' }), /did not answer/);
  });

  it('refuses parameters that are not in shared memory', async () => {
    const params = initParams(spec, 'paper', createRng(3));
    await assert.rejects(WorkerRunner.start({ spec, batch: 1, engine: 'ts', params, optimizer: { kind: 'sgd' } }), /not in shared memory/);
  });
});
