import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProducedMessage } from '../../../src/sinks/produced-message';
import { producedMessageBytes, splitProduceRequests } from '../../../src/source/kafka/split-produce-requests';

const msg = (id: number, valueBytes: number, headers?: Record<string, string>): ProducedMessage =>
  ({ key: `k${id}`, value: Buffer.alloc(valueBytes, 0x61), headers: { id: String(id), ...headers } });

/** The messages of each topic, in request order. */
function flatten(requests: ReadonlyArray<ReadonlyMap<string, readonly ProducedMessage[]>>): Map<string, ProducedMessage[]> {
  const out = new Map<string, ProducedMessage[]>();
  for (const r of requests) for (const [topic, list] of r) out.set(topic, [...(out.get(topic) ?? []), ...list]);
  return out;
}
const total = (r: ReadonlyMap<string, readonly ProducedMessage[]>): number => [...r.values()].flat().reduce((n, m) => n + producedMessageBytes(m), 0);

test('producedMessageBytes counts key, value, header names and values (UTF-8) plus a fixed overhead', () => {
  const base = producedMessageBytes({ key: null, value: null });
  assert.ok(base > 0);
  assert.equal(producedMessageBytes({ key: 'ключ', value: Buffer.alloc(10), headers: { ab: 'é' } }), base + 8 + 10 + 2 + 2);
});

test('splitProduceRequests: nothing to send gives no request; small batches stay one request', () => {
  assert.deepEqual(splitProduceRequests(new Map()), []);
  assert.deepEqual(splitProduceRequests(new Map([['t', []]])), []);
  const byTopic = new Map([['a', [msg(1, 10), msg(2, 10)]], ['b', [msg(3, 10)]]]);
  const requests = splitProduceRequests(byTopic, 10_000);
  assert.equal(requests.length, 1);
  assert.deepEqual(requests[0], byTopic);
});

test('splitProduceRequests: every request within the limit, order kept per topic, a message over the limit alone', () => {
  const limit = 1000;
  const a = [msg(1, 300), msg(2, 300), msg(3, 5000), msg(4, 100), msg(5, 900), msg(6, 10)];
  const b = Array.from({ length: 30 }, (_, i) => msg(100 + i, 50 + i));
  const requests = splitProduceRequests(new Map([['a', a], ['b', b]]), limit);
  for (const r of requests) {
    const n = [...r.values()].flat().length;
    assert.ok(n >= 1);
    assert.ok(total(r) <= limit || n === 1, `request of ${n} messages, ${total(r)} bytes`);
  }
  assert.deepEqual(flatten(requests), new Map([['a', a], ['b', b]]), 'every message once, each topic in order');
  assert.ok(requests.some((r) => r.get('a')?.length === 1 && r.get('a')![0] === a[2] && r.size === 1), 'the 5000-byte message alone');
  // greedy: no two neighbouring requests could have been one
  for (let i = 1; i < requests.length; i++) assert.ok(total(requests[i - 1]) + producedMessageBytes([...requests[i].values()].flat()[0]) > limit);
});
