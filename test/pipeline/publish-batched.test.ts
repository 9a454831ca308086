import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { publishBatched, type Publication } from '../../src/pipeline/publish-batched';
import type { ProducedMessage } from '../../src/sinks/produced-message';

const msgs = (n: number, tag: string): ProducedMessage[] => Array.from({ length: n }, (_, i) => ({ key: tag, value: `${tag}${i}` }));
const pub = (topic: string, n: number, tag: string): Publication => ({ topic, messages: msgs(n, tag) });

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepEqual(actual, expected));
}

/** What each send carried: frame, then topic → message values. */
type SendLog = Array<[number, Record<string, string[]>]>;
const logged = (log: SendLog, at: number, byTopic: Map<string, ProducedMessage[]>) =>
  log.push([at, Object.fromEntries([...byTopic].map(([t, m]) => [t, m.map((x) => String(x.value))]))]);

describe('publishBatched (the sink stage)', () => {
  it('sends at once, gathers what arrives during a send into the next one (all topics), emits each publication when acknowledged', () => {
    const ts = scheduler();
    const log: SendLog = [];
    ts.run(({ cold, hot, expectObservable }) => {
      const v = { a: pub('pred', 1, 'a'), b: pub('pred', 2, 'b'), c: pub('dlq', 1, 'c'), d: pub('pred', 1, 'd') };
      const out = hot('a-b-c-----d---|', v).pipe(publishBatched((byTopic) => {
        logged(log, ts.now(), byTopic);
        return cold('-----|'); // the broker acknowledges after 5 frames
      }, 100));
      expectObservable(out).toBe('-----a----(bc)-(d|)', v);
    });
    assert.deepEqual(log, [
      [0, { pred: ['a0'] }],
      [5, { pred: ['b0', 'b1'], dlq: ['c0'] }],
      [10, { pred: ['d0'] }],
    ]);
  });

  it('keeps a send within maxMessages, but never splits a publication', () => {
    const ts = scheduler();
    const log: SendLog = [];
    ts.run(({ cold, hot, expectObservable }) => {
      const v = { a: pub('p', 1, 'a'), b: pub('p', 3, 'b'), c: pub('p', 2, 'c'), d: pub('p', 9, 'd'), e: pub('p', 1, 'e') };
      const out = hot('abcde|', v).pipe(publishBatched((byTopic) => {
        logged(log, ts.now(), byTopic);
        return cold('10ms |');
      }, 5));
      expectObservable(out).toBe('10ms a 9ms (bc) 6ms d 9ms (e|)', v);
    });
    assert.deepEqual(log.map(([at, t]) => [at, t.p.length]), [[0, 1], [10, 5], [20, 9], [30, 1]]);
  });

  it('a failed send fails the stream with its error (retries belong to the sender)', () => {
    const ts = scheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const v = { a: pub('p', 1, 'a'), b: pub('p', 1, 'b') };
      const out = hot('ab|', v).pipe(publishBatched(() => cold('---#', {}, new Error('broker refused')), 10));
      expectObservable(out).toBe('---#', v, new Error('broker refused'));
    });
  });

  it('completes only after the last send was acknowledged', () => {
    const ts = scheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      const v = { a: pub('p', 1, 'a') };
      expectObservable(hot('a|', v).pipe(publishBatched(() => cold('----|'), 10))).toBe('----(a|)', v);
    });
  });

  it('an input error passes through', () => {
    const ts = scheduler();
    ts.run(({ cold, hot, expectObservable }) => {
      expectObservable(hot<Publication>('--#', {}, new Error('decode')).pipe(publishBatched(() => cold('-|'), 10))).toBe('--#', {}, new Error('decode'));
    });
  });

  it('with a sender that acknowledges synchronously, every publication passes straight through, in order', () => {
    const seen: string[] = [];
    let sends = 0;
    let completed = false;
    of(pub('p', 1, 'a'), pub('p', 1, 'b'), pub('p', 1, 'c')).pipe(publishBatched(() => { sends++; return of(undefined); }, 10))
      .subscribe({ next: (p) => seen.push(String(p.messages[0].value)), complete: () => { completed = true; } });
    assert.deepEqual(seen, ['a0', 'b0', 'c0']);
    assert.equal(sends, 3);
    assert.ok(completed);
  });
});
