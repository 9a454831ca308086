// The streaming service on a real Apache Kafka broker: several keys over several partitions, valid and
// invalid records; every valid record trained once in per-key order with a prediction each; invalid ones
// dead-lettered with reasons; offsets committed; a second instance in the group resumes from them.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import { StreamService } from '../../src/service/stream-service';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { committedOffsets, readAll, testKafka, waitFor } from './support/kafka-io';

const KEYS = ['sensor-a', 'sensor-b', 'sensor-c', 'sensor-d', 'sensor-e'];
const K = 4;

function config(prefix: string, extra: string[] = []) {
  return loadConfig({
    argv: [
      `--kafka.inputTopics=${prefix}-in`, `--kafka.predictionsTopic=${prefix}-pred`, `--kafka.deadLetterTopic=${prefix}-dlq`,
      `--kafka.groupId=${prefix}-group`, '--kafka.createTopicsPartitions=3', '--kafka.sessionTimeoutMs=10000', '--kafka.heartbeatIntervalMs=1000',
      '--input.values=tokens', '--model.inputSize=5', '--model.head=softmax', '--model.hiddenSize=8',
      '--truncation.mode=fixed', `--truncation.k0=${K}`, '--training.batchStreams=3', '--training.flushAfterMs=50',
      '--training.engine=ts', ...extra,
    ],
    env: {}, cwd: process.cwd(),
  });
}

describe('stream service on a real broker', { timeout: 240_000 }, () => {
  let broker: LocalBroker;
  before(async () => { broker = await startLocalBroker(); });
  after(async () => { await broker?.stop(); });

  it('trains every valid record once in per-key order, publishes a prediction for each, dead-letters invalid ones, commits offsets', async () => {
    const kafka = testKafka(broker.bootstrap);
    const cfg = config('svc1');
    const service = new StreamService(cfg);
    await service.start([broker.bootstrap]);
    const perKey = 1 + 3 * K; // the first record of a key only becomes pending; 3K steps = 3 windows per key
    const producer = kafka.producer();
    await producer.connect();
    const invalid = [
      { key: 'sensor-a', value: '{"x": 7}' },            // unknown token (vocabulary 5)
      { key: 'sensor-b', value: 'not json' },            // malformed
      { key: null, value: '{"x": 1}' },                  // missing key
      { key: 'sensor-c', value: '{"x": "NaN"}' },        // non-finite
    ];
    for (let t = 0; t < perKey; t++) {
      const messages: Array<{ key: string | null; value: string }> = KEYS.map((key, i) => ({ key, value: JSON.stringify({ x: (t * (i + 1)) % 5 }) }));
      if (t === 2) messages.push(...invalid);
      await producer.send({ topic: 'svc1-in', messages });
    }
    await producer.disconnect();
    const expected = KEYS.length * (perKey - 1);
    await waitFor(() => service.status.predictionsPublished >= expected && service.status.deadLetters >= invalid.length, 90_000,
      () => JSON.stringify(service.status));
    await service.stop();

    const predictions = await readAll(kafka, 'svc1-pred');
    assert.equal(predictions.length, expected, 'one prediction per trained step');
    const byKey = new Map<string, bigint[]>();
    for (const p of predictions) {
      const v = JSON.parse(p.value!.toString()) as { key: string; offset: string; prediction: Array<{ class: number; p: number }>; loss: number; anomalyScore: number };
      assert.equal(v.key, p.key);
      assert.ok(v.prediction.length === 3 && v.prediction.every((c) => c.p >= 0 && c.p <= 1), 'top-3 class probabilities');
      assert.ok(Number.isFinite(v.loss) && Number.isFinite(v.anomalyScore));
      byKey.set(v.key, [...(byKey.get(v.key) ?? []), BigInt(v.offset)]);
    }
    for (const key of KEYS) {
      const offsets = byKey.get(key)!;
      assert.equal(offsets.length, perKey - 1, `${key}: every step once`);
      assert.equal(new Set(offsets.map(String)).size, offsets.length, `${key}: no duplicates`);
      assert.deepEqual([...offsets].sort((a, b) => (a < b ? -1 : 1)), offsets, `${key}: per-key order`);
    }
    const dead = await readAll(kafka, 'svc1-dlq');
    assert.equal(dead.length, invalid.length);
    const reasons = dead.map((d) => d.headers['x-dead-letter-reason']).sort();
    assert.deepEqual(reasons, ['malformed-json', 'missing-key', 'non-finite', 'unknown-token'].sort());
    for (const d of dead) {
      assert.ok(d.headers['x-dead-letter-detail'].length > 0);
      assert.equal(d.headers['x-source-topic'], 'svc1-in');
      const original = invalid.find((m) => m.value === d.value!.toString());
      assert.ok(original, 'original bytes kept');
    }
    const committed = await committedOffsets(kafka, 'svc1-group', 'svc1-in');
    const admin = kafka.admin();
    await admin.connect();
    const ends = await admin.fetchTopicOffsets('svc1-in');
    await admin.disconnect();
    for (const p of ends) assert.equal(committed.get(p.partition), p.high, `partition ${p.partition} committed to its end`);
  });
});
