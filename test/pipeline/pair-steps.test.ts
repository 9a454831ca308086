import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lastValueFrom, Subject, take, toArray } from 'rxjs';
import type { RawMessage } from '../../src/domain/raw-message';
import type { SequenceStep } from '../../src/domain/sequence-step';
import { eachStep, type PairedMessage } from '../../src/pipeline/pair-steps';

const message = { topic: 'in', partition: 0, offset: '0', key: null, value: null } as unknown as RawMessage;
const steps = (key: string, n: number): SequenceStep[] => Array.from({ length: n }, (_, i) => ({ key, x: i, y: i + 1 }));

test('eachStep emits every message\'s steps in order, and ends with its input', async () => {
  const input = new Subject<PairedMessage>();
  const out = lastValueFrom(input.pipe(eachStep(), toArray()));
  input.next({ message, steps: steps('a', 3) });
  input.next({ message, steps: [] });
  input.next({ message, steps: steps('b', 2) });
  input.complete();
  assert.deepEqual((await out).map((s) => `${s.key}${String(s.x)}`), ['a0', 'a1', 'a2', 'b0', 'b1']);
});

test('eachStep passes errors on and stops within a message once unsubscribed', async () => {
  const input = new Subject<PairedMessage>();
  const failed = lastValueFrom(input.pipe(eachStep(), toArray()));
  input.error(new Error('broken input'));
  await assert.rejects(failed, /broken input/);

  const more = new Subject<PairedMessage>();
  const firstThree = lastValueFrom(more.pipe(eachStep(), take(3), toArray()));
  more.next({ message, steps: steps('c', 5) });
  assert.equal((await firstThree).length, 3);
  assert.equal(more.observed, false, 'the input is unsubscribed once enough steps came');
});
