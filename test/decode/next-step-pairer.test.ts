import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NextStepPairer } from '../../src/decode/next-step-pairer';
import type { DecodedRecord } from '../../src/domain/decoded-record';

const src = (offset: number) => ({ topic: 't', partition: 0, offset: String(offset) });
const tok = (key: string, x: number, offset: number): DecodedRecord => ({ key, x, source: src(offset) });

test('next-step tokens: y_t = x_{t+1} per key, keys interleaved, completed by the target record', () => {
  const p = new NextStepPairer('next-step');
  // key a: 1 2 3; key b: 7 8; interleaved a b a b a
  const steps = p.pushAll([tok('a', 1, 0), tok('b', 7, 1), tok('a', 2, 2), tok('b', 8, 3), tok('a', 3, 4)]);
  assert.deepEqual(steps, [
    { key: 'a', x: 1, y: 2, source: src(2) },
    { key: 'b', x: 7, y: 8, source: src(3) },
    { key: 'a', x: 2, y: 3, source: src(4) },
  ]);
  assert.equal(p.size, 2);
  assert.equal(p.pending('a'), 3);
  assert.equal(p.pending('b'), 8);
});

test('next-step dense: y is the next vector', () => {
  const p = new NextStepPairer('next-step');
  const v1 = Float32Array.of(1, 2);
  const v2 = Float32Array.of(3, 4);
  assert.equal(p.push({ key: 'k', x: v1, source: src(0) }), undefined);
  const s = p.push({ key: 'k', x: v2, source: src(1) });
  assert.deepEqual(s && [[...(s.x as Float32Array)], [...(s.y as Float32Array)], s.source], [[1, 2], [3, 4], src(1)]);
});

test('snapshot → JSON → restore continues pairing exactly; forget drops a key', () => {
  const p = new NextStepPairer('next-step');
  p.pushAll([tok('a', 1, 0), { key: 'd', x: Float32Array.of(0.1, -2), source: src(1) }]);
  const json = JSON.parse(JSON.stringify(p.snapshot()));
  const q = new NextStepPairer('next-step');
  q.restore(json);
  assert.deepEqual(q.push(tok('a', 5, 2)), { key: 'a', x: 1, y: 5, source: src(2) });
  const d = q.push({ key: 'd', x: Float32Array.of(9, 9), source: src(3) });
  assert.deepEqual([...(d!.x as Float32Array)], [Math.fround(0.1), -2]); // float32 values survive JSON exactly
  assert.equal(q.forget('a'), 5);
  assert.equal(q.forget('a'), undefined);
  assert.equal(q.push(tok('a', 6, 4)), undefined); // a forgotten key starts over
  q.setPending('z', 4);
  assert.deepEqual(q.push(tok('z', 2, 5)), { key: 'z', x: 4, y: 2, source: src(5) });
});

test('restore rejects malformed or mismatched snapshots and leaves the state unchanged', () => {
  const p = new NextStepPairer('next-step');
  p.push(tok('a', 1, 0));
  const bad: unknown[] = [
    { target: 'explicit', pending: [] },
    { target: 'next-step', pending: {} },
    { target: 'next-step', pending: [['b', 'x']] },
    { target: 'next-step', pending: [['b', [1, null]]] },
    { target: 'next-step', pending: [[3, 1]] },
    null,
  ];
  for (const s of bad) assert.throws(() => p.restore(s as never), RangeError, JSON.stringify(s));
  assert.equal(p.pending('a'), 1);
  assert.equal(p.size, 1);
});

test('explicit targets: records pass through as steps, nothing pending', () => {
  const p = new NextStepPairer('explicit');
  const r: DecodedRecord = { key: 'k', x: 2, y: 4, source: src(9) };
  assert.deepEqual(p.push(r), { key: 'k', x: 2, y: 4, source: src(9) });
  assert.equal(p.size, 0);
  assert.deepEqual(p.snapshot(), { target: 'explicit', pending: [] });
  assert.throws(() => p.push({ key: 'k', x: 2, source: src(10) }), TypeError);
});
