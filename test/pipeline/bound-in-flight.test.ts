import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { InFlightGate, valveAction, type InFlightLoad } from '../../src/pipeline/bound-in-flight';

const limits = { maxBufferedRecords: 100, maxInFlightWindows: 4 };
const load = (pendingSteps: number, unackedWindows = 0, unackedMessages = 0): InFlightLoad => ({ pendingSteps, unackedWindows, unackedMessages });

describe('bound in flight (backpressure stage)', () => {
  it('pauses above a limit and resumes only below half of it (hysteresis)', () => {
    assert.equal(valveAction(load(100), limits, false), 'hold');
    assert.equal(valveAction(load(101), limits, false), 'pause');
    assert.equal(valveAction(load(0, 5), limits, false), 'pause');
    assert.equal(valveAction(load(0, 0, 101), limits, false), 'pause');
    assert.equal(valveAction(load(51), limits, true), 'hold');
    assert.equal(valveAction(load(50), limits, true), 'resume');
    assert.equal(valveAction(load(10, 5), limits, true), 'hold', 'sends still behind');
    assert.equal(valveAction(load(10, 4, 100), limits, true), 'resume');
  });

  it('as a stage, closes the valve while the load is high and opens it again as it drains', () => {
    const ts = new TestScheduler((a, b) => assert.deepEqual(a, b));
    let pending = 0;
    const valve = { paused: false, pause() { this.paused = true; }, resume() { this.paused = false; } };
    const states: boolean[] = [];
    const gate = new InFlightGate(() => load(pending), limits, () => valve, (paused) => states.push(paused));
    ts.run(({ cold, expectObservable }) => {
      // Each item carries the pending count the learner has after it.
      const items = cold('abcde|', { a: 60, b: 120, c: 80, d: 50, e: 10 });
      const out = items.pipe(tap((v) => { pending = v; }), gate.bound());
      expectObservable(out).toBe('abcde|', { a: 60, b: 120, c: 80, d: 50, e: 10 });
    });
    assert.deepEqual(states, [false, true, true, false, false]);
  });

  it('without a valve yet (before the consumer starts) nothing happens', () => {
    const gate = new InFlightGate(() => load(1e9), limits, () => undefined);
    assert.doesNotThrow(() => gate.check());
  });
});
