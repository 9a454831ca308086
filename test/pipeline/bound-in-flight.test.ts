import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { tap } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { InFlightGate, partitionActions, valveAction, type InFlightLoad, type PartitionValve } from '../../src/pipeline/bound-in-flight';

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

  it('per partition: pauses the partitions above their share of the buffer and resumes them at half of it', () => {
    // 4 partitions with one waiting key each share maxBufferedRecords = 100: 25 each.
    const steps: Record<string, number> = { p0: 30, p1: 25, p2: 12, p3: 13 };
    const paused = new Set(['p2', 'p3']);
    const one = (p: string) => ({ steps: steps[p], keys: 1 });
    assert.deepEqual(partitionActions(one, ['p0', 'p1', 'p2', 'p3'], (p) => paused.has(p), 100), { pause: ['p0'], resume: ['p2'] },
      'p1 is at its share, p3 above half of it');
    // Shares follow the keys that hold untrained steps: 1 key against 3.
    const loads: Record<string, { steps: number; keys: number }> = { p0: { steps: 30, keys: 1 }, p1: { steps: 70, keys: 3 } };
    assert.deepEqual(partitionActions((p) => loads[p], ['p0', 'p1'], () => false, 100), { pause: ['p0'], resume: [] });
    // No key waiting anywhere: an even split; one partition has the whole buffer.
    assert.deepEqual(partitionActions(() => ({ steps: 0, keys: 0 }), ['p0', 'p1'], () => true, 100), { pause: [], resume: ['p0', 'p1'] });
    assert.deepEqual(partitionActions(() => ({ steps: 100, keys: 5 }), ['p0'], () => false, 100), { pause: [], resume: [] });
    assert.deepEqual(partitionActions(() => ({ steps: 101, keys: 5 }), ['p0'], () => false, 100), { pause: ['p0'], resume: [] });
  });

  it('holds back only the partition whose keys hold the backlog, so that the others keep filling batches', () => {
    const pending = new Map<string, number>([['a', 0], ['b', 10], ['c', 10]]);
    const held = new Set<string>();
    const valve: PartitionValve & { paused: boolean } = {
      paused: false, pause() { this.paused = true; }, resume() { this.paused = false; },
      assignment: ['a', 'b', 'c'],
      isPartitionPaused: (p) => held.has(p),
      pausePartitions: (ps) => ps.forEach((p) => held.add(p)),
      resumePartitions: (ps) => ps.forEach((p) => held.delete(p)),
    };
    const seen: Array<[boolean, number]> = [];
    const total = () => [...pending.values()].reduce((x, y) => x + y, 0);
    const loadOf = (p: string) => ({ steps: pending.get(p) ?? 0, keys: (pending.get(p) ?? 0) > 0 ? 1 : 0 });
    const gate = new InFlightGate(() => load(total()), { maxBufferedRecords: 90, maxInFlightWindows: 4 }, () => valve,
      (paused, _load, partitions) => seen.push([paused, partitions]), loadOf);
    pending.set('a', 40); // above its share of 30
    gate.check();
    assert.deepEqual([...held], ['a']);
    assert.equal(valve.paused, false, 'the other partitions keep flowing');
    pending.set('b', 20);
    pending.set('a', 16); // above half its share: still held
    gate.check();
    assert.deepEqual([...held], ['a']);
    pending.set('a', 15);
    gate.check();
    assert.deepEqual([...held], []);
    // The overall bound still holds back everything (e.g. steps of keys restored without a partition).
    pending.set('a', 30); pending.set('b', 30); pending.set('c', 30); pending.set('x', 5);
    gate.check();
    assert.equal(valve.paused, true);
    assert.deepEqual(seen, [[false, 1], [false, 1], [false, 0], [true, 0]]);
  });
});
