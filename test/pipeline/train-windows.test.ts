import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NEVER, Subject, VirtualTimeScheduler, concat, from, throwError } from 'rxjs';
import type { SequenceStep } from '../../src/domain/sequence-step';
import { createTsEngine } from '../../src/learner/engines/ts/ts-engine';
import { initParams } from '../../src/learner/model/init-params';
import type { ModelSpec } from '../../src/learner/model/model-spec';
import { OnlineLearner, type WindowReport } from '../../src/learner/online/online-learner';
import { Sgd } from '../../src/learner/optim/sgd';
import { trainWindows } from '../../src/pipeline/train-windows';
import { createRng } from '../../src/util/rng';

const spec: ModelSpec = { cell: 'rnn', layers: 1, inputSize: 3, inputKind: 'tokens', hiddenSize: 4, outputSize: 3, head: 'softmax' };
const K = 2;

function learner(): OnlineLearner {
  return new OnlineLearner({
    spec, engine: createTsEngine(), params: initParams(spec, 'paper', createRng(1)), optimizer: new Sgd(), scheme: 'classic', k: K,
    learningRate: 0.1, lrScaling: 'none', clipNorm: 0, maxGradNorm: 0, historySteps: 16,
  });
}

const step = (key: string, t: number): SequenceStep => ({ key, x: t % 3, y: (t + 1) % 3, source: { topic: 't', partition: 0, offset: String(t) } });

/** Runs `trainWindows` on virtual time; returns the reports with the virtual time each arrived at. */
function run(input: Subject<SequenceStep>, B: number, flushAfterMs: number, l = learner(), inputHeld?: () => boolean) {
  const scheduler = new VirtualTimeScheduler();
  const got: Array<{ at: number; keys: string[] }> = [];
  let error: unknown;
  let completed = false;
  const sub = input.pipe(trainWindows(l, { batchStreams: B, flushAfterMs, scheduler, flushOnComplete: true, ...(inputHeld ? { inputHeld } : {}) })).subscribe({
    next: (r: WindowReport) => got.push({ at: scheduler.now(), keys: [...new Set(r.outcomes.map((o) => o.key))].sort() }),
    error: (e) => { error = e; },
    complete: () => { completed = true; },
  });
  return { scheduler, got, sub, state: () => ({ error, completed }) };
}

describe('trainWindows', () => {
  it('empty input completes without a window', () => {
    const input = new Subject<SequenceStep>();
    const r = run(input, 2, 50);
    input.complete();
    r.scheduler.flush();
    assert.deepEqual(r.got, []);
    assert.equal(r.state().completed, true);
  });

  it('trains B keys as one window as soon as they are ready', () => {
    const input = new Subject<SequenceStep>();
    const r = run(input, 2, 50);
    for (let t = 0; t < K; t++) { input.next(step('a', t)); input.next(step('b', t)); }
    r.scheduler.flush();
    assert.deepEqual(r.got, [{ at: 0, keys: ['a', 'b'] }]);
  });

  it('trains a partial batch after flushAfterMs of stream time', () => {
    const input = new Subject<SequenceStep>();
    const r = run(input, 4, 50);
    for (let t = 0; t < K; t++) input.next(step('a', t));
    r.scheduler.flush();
    assert.deepEqual(r.got, [{ at: 50, keys: ['a'] }]);
  });

  it('while the input is held back, a backlog trains in partial batches one after another, not flushAfterMs apart', () => {
    // Key a holds three windows' worth of steps, b one; B = 4 never fills.
    const feed = (input: Subject<SequenceStep>) => {
      for (let t = 0; t < 3 * K; t++) input.next(step('a', t));
      for (let t = 0; t < K; t++) input.next(step('b', t));
    };
    const flowing = new Subject<SequenceStep>();
    const r1 = run(flowing, 4, 50);
    feed(flowing);
    r1.scheduler.flush();
    assert.deepEqual(r1.got, [{ at: 50, keys: ['a', 'b'] }, { at: 100, keys: ['a'] }, { at: 150, keys: ['a'] }]);
    // Held back (e.g. every partition paused by backpressure) once the steps are in: the first partial batch
    // still waits flushAfterMs, the rest follow at once (1 ms: one turn of the event loop).
    let held = false;
    const paused = new Subject<SequenceStep>();
    const r2 = run(paused, 4, 50, learner(), () => held);
    feed(paused);
    held = true;
    r2.scheduler.flush();
    assert.deepEqual(r2.got, [{ at: 50, keys: ['a', 'b'] }, { at: 51, keys: ['a'] }, { at: 52, keys: ['a'] }]);
  });

  it('on completion trains every ready key and flushes the waiting steps of the others', () => {
    const input = new Subject<SequenceStep>();
    const l = learner();
    const r = run(input, 4, 50, l);
    for (let t = 0; t < K; t++) input.next(step('a', t));
    input.next(step('b', 0));
    input.complete();
    assert.deepEqual(r.got.map((g) => g.keys), [['a'], ['b']]);
    assert.equal(l.pendingSteps, 0);
    assert.equal(r.state().completed, true);
  });

  it('an input error is passed on', () => {
    const r = new VirtualTimeScheduler();
    let error: unknown;
    concat(from([step('a', 0)]), throwError(() => new Error('boom')))
      .pipe(trainWindows(learner(), { batchStreams: 2, flushAfterMs: 10, scheduler: r }))
      .subscribe({ error: (e) => { error = e; } });
    assert.match(String(error), /boom/);
  });

  it('a learner failure becomes a stream error, not a crash', () => {
    const input = new Subject<SequenceStep>();
    const l = learner();
    l.learn = () => { throw new Error('engine failed'); };
    const r = run(input, 1, 10, l);
    for (let t = 0; t < K; t++) input.next(step('a', t));
    r.scheduler.flush();
    assert.match(String(r.state().error), /engine failed/);
  });

  it('early unsubscribe cancels the pending flush timer', () => {
    const input = new Subject<SequenceStep>();
    const r = run(input, 4, 50);
    for (let t = 0; t < K; t++) input.next(step('a', t));
    r.sub.unsubscribe();
    r.scheduler.flush();
    assert.deepEqual(r.got, []);
  });

  it('a never-ending input with nothing ready emits nothing', () => {
    const scheduler = new VirtualTimeScheduler();
    const got: unknown[] = [];
    NEVER.pipe(trainWindows(learner(), { batchStreams: 2, flushAfterMs: 10, scheduler })).subscribe((x) => got.push(x));
    scheduler.flush();
    assert.deepEqual(got, []);
  });
});
