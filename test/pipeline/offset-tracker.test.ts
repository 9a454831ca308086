import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareOffsets, OffsetTracker } from '../../src/pipeline/offset-tracker';
import { createRng } from '../../src/util/rng';

const at = (offset: string, partition = 0) => ({ topic: 'in', partition, offset });

test('the committable offset is the first message with work left, then the last consumed + 1', () => {
  const t = new OffsetTracker();
  for (const o of ['8', '9', '10', '11']) t.consumed(at(o), 2);
  t.consumed(at('5', 1), 0);
  assert.deepEqual(t.committable(), new Map([['in:0', '8'], ['in:1', '6']]));
  t.done(at('9'));
  t.done(at('9'));
  t.done(at('8'));
  assert.equal(t.committable().get('in:0'), '8', 'one of offset 8\'s two items is still open');
  t.done(at('8'));
  assert.equal(t.committable().get('in:0'), '10');
  for (const o of ['10', '11']) { t.done(at(o)); t.done(at(o)); }
  assert.equal(t.committable().get('in:0'), '12');
  assert.equal(t.openMessages, 0);
  assert.deepEqual(t.consumedUpTo(), new Map([['in:0', '12'], ['in:1', '6']]));
});

test('re-delivered messages are not new, across a change in the number of digits', () => {
  const t = new OffsetTracker();
  assert.ok(t.isNew(at('99')), 'nothing consumed yet');
  t.consumed(at('99'), 1);
  assert.ok(!t.isNew(at('99')));
  assert.ok(!t.isNew(at('98')));
  assert.ok(t.isNew(at('100')), '"100" comes after "99" although it sorts before it as text');
  assert.ok(t.isNew(at('1000')));
  t.consumed(at('100'), 1);
  assert.ok(!t.isNew(at('99')), '"99" sorts after "100" as text but came before it');
  assert.equal(t.consumedUpTo().get('in:0'), '101');
  assert.equal(t.committable().get('in:0'), '99');
});

test('a restored partition starts at the checkpoint\'s position; a forgotten one is gone', () => {
  const t = new OffsetTracker();
  t.consumed(at('3'), 1);
  t.restore('in:0', '10');
  assert.equal(t.openMessages, 0, 'a restore drops the open work of before');
  assert.ok(!t.isNew(at('9')));
  assert.ok(t.isNew(at('10')));
  assert.equal(t.committable().get('in:0'), '10');
  t.consumed(at('10'), 1);
  assert.equal(t.consumedUpTo().get('in:0'), '11');
  assert.equal(t.committable().get('in:0'), '10');
  assert.throws(() => t.addWork(at('4'), 1), /offset 4 of in:0 is not open/);
  t.addWork(at('10'), 1);
  t.done(at('10'));
  assert.equal(t.committable().get('in:0'), '10', 'the added item is still open');
  t.forget('in:0');
  assert.equal(t.committable().size, 0);
  assert.ok(t.isNew(at('0')));
  t.done(at('10')); // late completion of a forgotten partition's work: ignored
});

test('offsets compare as numbers, up to the int64 range', () => {
  const rng = createRng(3);
  const offsets = ['0', '1', '9', '10', '99', '100', '9223372036854775806', '9223372036854775807'];
  for (let i = 0; i < 200; i++) offsets.push((BigInt(rng.int(2 ** 32)) * BigInt(rng.int(2 ** 31)) >> BigInt(rng.int(60))).toString());
  for (const a of offsets) {
    for (const b of offsets) {
      const expected = BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
      assert.equal(Math.sign(compareOffsets(a, b)), expected, `${a} vs ${b}`);
    }
  }
});
