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
  const keyOf = (flag: string) => flag.split('=')[0];
  const overridden = new Set(extra.map(keyOf));
  return loadConfig({
    argv: [
      `--kafka.inputTopics=${prefix}-in`, `--kafka.predictionsTopic=${prefix}-pred`, `--kafka.deadLetterTopic=${prefix}-dlq`,
      `--kafka.groupId=${prefix}-group`, '--kafka.createTopicsPartitions=3', '--kafka.sessionTimeoutMs=10000', '--kafka.heartbeatIntervalMs=1000',
      '--input.values=tokens', '--model.inputSize=5', '--model.head=softmax', '--model.hiddenSize=8',
      '--truncation.mode=fixed', `--truncation.k0=${K}`, '--training.batchStreams=3', '--training.flushAfterMs=50',
      '--training.engine=ts',
    ].filter((f) => !overridden.has(keyOf(f))).concat(extra),
    env: {}, cwd: process.cwd(),
  });
}

describe('stream service on a real broker', { timeout: 420_000 }, () => {
  let broker: LocalBroker;
  before(async () => { broker = await startLocalBroker(); });
  after(async () => { await broker?.stop(); });

  it('trains every valid record once in per-key order, publishes a prediction for each, dead-letters invalid ones, commits offsets', async () => {
    const kafka = testKafka(broker.bootstrap);
    const cfg = config('svc1', ['--output.publishThread=on']); // predictions and dead letters through the publishing thread
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
    for (const p of ends) {
      if (p.high === '0') continue; // an empty partition has nothing to commit
      assert.equal(committed.get(p.partition), p.high, `partition ${p.partition} committed to its end`);
    }
  });

  it('two instances in one group split the partitions and train every record once; the survivor takes over; a restart resumes from the committed offsets', async () => {
    const kafka = testKafka(broker.bootstrap);
    const explicit = ['--input.target=explicit', '--model.outputSize=5'];
    const trace = (name: string) => ({
      log: (level: string, msg: string) => { if (process.env.TRACE) console.error(name, level, msg); },
      window: (r: { outcomes: Array<{ source?: { partition: number; offset: string } }> }) => {
        if (process.env.TRACE) console.error(name, 'window', r.outcomes.map((o) => `${o.source?.partition}:${o.source?.offset}`).join(' '));
      },
      committed: (o: ReadonlyMap<string, string>) => { if (process.env.TRACE) console.error(name, 'commit', [...o].join(' ')); },
    });
    const a = new StreamService(config('svc2', explicit), trace('A'));
    const b = new StreamService(config('svc2', explicit), trace('B'));
    await a.start([broker.bootstrap]);
    await b.start([broker.bootstrap]);
    await waitFor(() => a.status.assigned.length > 0 && b.status.assigned.length > 0 && a.status.assigned.length + b.status.assigned.length === 3,
      60_000, () => `assignments ${a.status.assigned} / ${b.status.assigned}`);
    const producer = kafka.producer();
    await producer.connect();
    let sent = 0;
    const produce = async (rounds: number) => {
      for (let t = 0; t < rounds; t++) {
        await producer.send({ topic: 'svc2-in', messages: KEYS.map((key, i) => ({ key, value: JSON.stringify({ x: (t + i) % 5, y: (t * i) % 5 }) })) });
        sent += KEYS.length;
      }
    };
    const published = () => a.status.predictionsPublished + b.status.predictionsPublished;
    // Every record is published or waits in a learner for its key's next full window.
    const waiting = () => [a, b].reduce((n, s) => n + (s.learnerParts.learner.pendingSteps ?? 0), 0);
    await produce(2 * K + 1);
    await waitFor(() => published() + waiting() >= sent && published() >= sent - KEYS.length * (K - 1), 60_000, () => `published ${published()} + waiting ${waiting()} of ${sent}`);
    assert.ok(a.status.stepsTrained > 0 && b.status.stepsTrained > 0, 'both instances trained');
    await a.stop(); // leaves: trains what it holds (shorter windows), publishes, commits
    await waitFor(() => b.status.assigned.length === 3, 60_000, () => `survivor has ${b.status.assigned}`);
    await produce(K + 2);
    await waitFor(() => published() + b.learnerParts.learner.pendingSteps >= sent, 60_000, () => `published ${published()} + waiting ${waiting()} of ${sent}`);
    await b.stop();
    const c = new StreamService(config('svc2', explicit), trace('C'));
    await c.start([broker.bootstrap]);
    await produce(K);
    await waitFor(() => a.status.predictionsPublished + b.status.predictionsPublished + c.status.predictionsPublished >= sent, 60_000,
      () => `published ${published() + c.status.predictionsPublished} of ${sent}`);
    await c.stop();
    await producer.disconnect();

    const predictions = await readAll(kafka, 'svc2-pred');
    const seen = new Map<string, number>();
    for (const p of predictions) {
      const v = JSON.parse(p.value!.toString()) as { partition: number; offset: string };
      const id = `${v.partition}:${v.offset}`;
      seen.set(id, (seen.get(id) ?? 0) + 1);
    }
    assert.equal(seen.size, sent, 'every record has a prediction');
    assert.deepEqual([...seen].filter(([, n]) => n !== 1), [], 'no record trained twice');
  });

  it('bounds memory when the producer is much faster than training, and drains the lag afterwards', async () => {
    const kafka = testKafka(broker.bootstrap);
    const limits = ['--model.hiddenSize=16', '--training.batchStreams=8', '--output.maxBufferedRecords=200', '--training.flushAfterMs=20'];
    const service = new StreamService(config('svc3', limits));
    await service.start([broker.bootstrap]);
    await waitFor(() => service.status.assigned.length === 3, 60_000, () => 'assignment');
    const producer = kafka.producer();
    await producer.connect();
    const total = 20_000;
    const keys = 40;
    for (let sent = 0; sent < total; sent += 1000) {
      await producer.send({ topic: 'svc3-in', messages: Array.from({ length: 1000 }, (_, i) => ({ key: `k${(sent + i) % keys}`, value: JSON.stringify({ x: (sent + i) % 5 }) })) });
    }
    await producer.disconnect();
    global.gc?.();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    let maxPending = 0;
    let pausedSeen = false;
    await waitFor(async () => {
      peak = Math.max(peak, process.memoryUsage().rss);
      maxPending = Math.max(maxPending, service.status.pendingSteps);
      pausedSeen ||= service.status.paused;
      if (service.status.recordsConsumed < total) return false;
      const lag = await service.lag();
      return [...lag.values()].every((l) => l === 0);
    }, 180_000, () => `consumed ${service.status.recordsConsumed} of ${total}, pending ${service.learnerParts.learner.pendingSteps}, paused ${service.status.paused}`);
    await service.stop();
    assert.ok(pausedSeen, 'backpressure paused the partitions');
    // By design: at most maxBufferedRecords, plus one fetch that arrives after the pause, plus a window's worth.
    const bound = 200 + service.status.largestFetch + 8 * K;
    assert.ok(maxPending <= bound, `untrained steps stayed bounded: max ${maxPending} > ${bound}`);
    assert.ok(service.status.largestFetch < total, `fetches are bounded (largest ${service.status.largestFetch})`);
    const growthMb = (peak - baseline) / 2 ** 20;
    assert.ok(growthMb < 200, `resident memory grew by ${growthMb.toFixed(0)} MB while draining ${total} records`);
  });

  it('holds back only the partition that runs ahead when one partition holds far more steps per key than the others', async () => {
    // 16 keys, B = 16: 1 key in partition 0, 7 in partition 1, 8 in partition 2, 1200 steps each, all produced
    // before the service starts. A fetch brings about as many bytes per partition, so partition 0's key runs
    // far ahead of the rest. Pausing every partition then would leave it and a few others to train in partial
    // windows; holding back partition 0 alone lets the other keys catch up.
    const kafka = testKafka(broker.bootstrap);
    const B = 16;
    const steps = 1200;
    const layout = [['solo'], Array.from({ length: 7 }, (_, i) => `m${i}`), Array.from({ length: 8 }, (_, i) => `n${i}`)];
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'svc4-in', numPartitions: 3 }] });
    await admin.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    for (let t = 0; t <= steps; t += 100) {
      const messages = [];
      for (let u = t; u < Math.min(t + 100, steps + 1); u++) {
        for (const [partition, keys] of layout.entries()) for (const key of keys) messages.push({ key, partition, value: JSON.stringify({ x: u % 5 }) });
      }
      await producer.send({ topic: 'svc4-in', messages });
    }
    await producer.disconnect();
    const service = new StreamService(config('svc4', [`--training.batchStreams=${B}`, '--output.maxBufferedRecords=1500', '--training.scheme=classic']));
    let someButNotAllPaused = false;
    let maxPending = 0;
    await service.start([broker.bootstrap]);
    const total = B * steps;
    await waitFor(() => {
      someButNotAllPaused ||= service.status.pausedPartitions > 0 && service.status.pausedPartitions < 3;
      maxPending = Math.max(maxPending, service.learnerParts.learner.pendingSteps);
      return service.status.predictionsPublished >= total;
    }, 180_000, () => `published ${service.status.predictionsPublished} of ${total}, ${service.status.windows} windows`);
    await service.stop();
    const predictions = await readAll(kafka, 'svc4-pred');
    const ids = new Set(predictions.map((p) => { const v = JSON.parse(p.value!.toString()) as { partition: number; offset: string }; return `${v.partition}:${v.offset}`; }));
    assert.equal(predictions.length, total, 'one prediction per step');
    assert.equal(ids.size, total, 'no step trained twice');
    assert.ok(someButNotAllPaused, 'a partition was held back while the others kept flowing');
    // maxBufferedRecords, plus at most one handed-over slice (256 records) per partition after its pause, plus a window.
    assert.ok(maxPending <= 1500 + 3 * 256 + B * K, `untrained steps stayed bounded: ${maxPending}`);
  });
});
