// The streaming service under faults on a real Apache Kafka broker (issue 6):
// 1. hostile input: >= 100,000 generated hostile messages (the decoder fuzz generators, plus a few values near
//    the broker's size limit) interleaved with a few hundred valid records; the service does not fail, every
//    hostile message is on the dead-letter topic (by source partition and offset, original bytes, a reason),
//    every valid record has a prediction, and the committed offsets reach the end of the input;
// 2. the broker stopped for a few seconds and started again (same port, same data) while the service consumes:
//    the service recovers without help, every record gets a prediction, the committed offsets reach the end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Message, Producer } from 'kafkajs';
import { loadConfig } from '../../src/config/load-config';
import { DECODE_FAILURE_REASONS } from '../../src/decode/decode-failure';
import { DEFAULT_MAX_JSON_DEPTH } from '../../src/decode/decoder-spec';
import { StreamService } from '../../src/service/stream-service';
import { ensureTopics } from '../../src/source/kafka/ensure-topics';
import { createKafkaClient } from '../../src/source/kafka/kafka-client';
import { KafkaProducerSink } from '../../src/source/kafka/kafka-producer-sink';
import type { ServiceEvents } from '../../src/service/service-events';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { createRng, type Rng } from '../../src/util/rng';
import { DEEP_VALUES, DENSE, bytes, jsonTarget, randomBytes } from '../decode/hostile-messages';
import { committedOffsets, readAll, testKafka, waitFor, type ReadMessage } from './support/kafka-io';

const PARTITIONS = 3;
/** The service's message size limit here: below the broker's (message.max.bytes, 1 MB + 12 by default), so that
 * "too-large" values can reach the service, and a dead letter (the value plus ≤ ~1.3 kB of headers) still fits. */
const MAX_MESSAGE_BYTES = 1_000_000;
const REASONS = new Set<string>(DECODE_FAILURE_REASONS);

function config(prefix: string, extra: string[] = []) {
  return loadConfig({
    argv: [
      `--kafka.inputTopics=${prefix}-in`, `--kafka.predictionsTopic=${prefix}-pred`, `--kafka.deadLetterTopic=${prefix}-dlq`,
      `--kafka.groupId=${prefix}-group`, `--kafka.createTopicsPartitions=${PARTITIONS}`, '--kafka.sessionTimeoutMs=10000',
      '--kafka.heartbeatIntervalMs=1000', '--input.format=json', '--input.values=dense', '--input.target=explicit',
      `--input.maxMessageBytes=${MAX_MESSAGE_BYTES}`, '--model.inputSize=3', '--model.outputSize=2', '--model.head=mse',
      '--model.hiddenSize=8', '--truncation.mode=fixed', '--truncation.k0=4', '--training.batchStreams=4',
      '--training.flushAfterMs=50', '--training.idleFlushMs=500', '--training.engine=ts', ...extra,
    ],
    env: {}, cwd: process.cwd(),
  });
}

/** A message to produce to a chosen partition; `offset` is filled in from the broker's answer. */
interface Sent {
  readonly partition: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly hostile: boolean;
  /** The reason the dead letter must carry, or undefined when any reason will do. */
  readonly reason?: string;
  offset?: string;
}
const idOf = (partition: number, offset: string): string => `${partition}:${offset}`;
const sizeOf = (m: Sent): number => (m.key?.length ?? 0) + (m.value?.length ?? 0);

/** A valid record of the configured shape (3 dense features, 2 explicit targets), written here, not by the generators. */
function validRecord(rng: Rng, key: number): Sent {
  const num = (): string => (rng.normal() * 2).toFixed(4);
  const value = `{"x":[${num()},${num()},${num()}],"y":[${num()},${num()}]}`;
  return { partition: key % PARTITIONS, key: bytes(`valid-${key}`), value: bytes(value), hostile: false };
}

/** Whether a value is UTF-8 text that JSON.parse reads as a plain object (the only kind a JSON decoder may accept). */
function isUtf8JsonObject(value: Buffer | null): boolean {
  if (value === null) return false;
  try {
    const v: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(value));
    return v !== null && typeof v === 'object' && !Array.isArray(v);
  } catch {
    return false;
  }
}

/**
 * Produces `messages` in order, each to its partition, in requests of at most ~512 kB (a value above 256 kB
 * alone), and records every message's offset from the broker's answer (a request's messages for one
 * partition get consecutive offsets from its base offset).
 */
async function produceAll(producer: Producer, topic: string, messages: Sent[]): Promise<void> {
  let chunk: Sent[] = [];
  let chunkBytes = 0;
  const flush = async (): Promise<void> => {
    if (chunk.length === 0) return;
    const sending = chunk;
    chunk = [];
    chunkBytes = 0;
    const answer = await producer.send({
      topic, acks: -1,
      messages: sending.map((m): Message => ({ partition: m.partition, key: m.key, value: m.value })),
    });
    const next = new Map(answer.map((r) => [r.partition, BigInt(r.baseOffset ?? '-1')]));
    for (const m of sending) {
      const offset = next.get(m.partition);
      assert.ok(offset !== undefined && offset >= 0n, `no base offset for partition ${m.partition}`);
      m.offset = String(offset);
      next.set(m.partition, offset + 1n);
    }
  };
  for (const m of messages) {
    const size = sizeOf(m) + 80;
    if (chunk.length > 0 && (chunkBytes + size > 512 * 1024 || chunk.length >= 5000 || size > 256 * 1024)) await flush();
    chunk.push(m);
    chunkBytes += size;
    if (size > 256 * 1024) await flush();
  }
  await flush();
}

/** Waits until the group's committed offset of every partition of `topic` is its end offset. */
async function waitCommittedToEnd(kafka: Kafka, group: string, topic: string, timeoutMs: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  await admin.disconnect();
  let committed = new Map<number, string>();
  await waitFor(async () => {
    committed = await committedOffsets(kafka, group, topic);
    return [...ends].every(([p, high]) => high === '0' || committed.get(p) === high);
  }, timeoutMs, () => `committed ${JSON.stringify([...committed])}, ends ${JSON.stringify([...ends])}`);
}

/** Events that record fatal errors and keep the service's log lines (printed when TRACE is set). */
function recorder(name: string): { events: ServiceEvents; fatal: Error[]; lines: string[] } {
  const fatal: Error[] = [];
  const lines: string[] = [];
  const events: ServiceEvents = {
    log: (level, msg) => {
      const line = `${new Date().toISOString()} ${name} ${level} ${msg}`;
      lines.push(line);
      if (process.env.TRACE) console.error(line);
    },
    fatal: (e) => { fatal.push(e); },
  };
  return { events, fatal, lines };
}

function countById(messages: readonly ReadMessage[], idOfMessage: (m: ReadMessage) => string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of messages) {
    const id = idOfMessage(m);
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

describe('stream service under faults on a real broker', { timeout: 600_000 }, () => {
  let broker: LocalBroker;
  before(async () => { broker = await startLocalBroker(); });
  after(async () => { await broker?.stop(); });

  it('hostile input: 100,000 hostile messages all dead-lettered with a reason, every valid record predicted, offsets committed to the end', async (t) => {
    const started = Date.now();
    const HOSTILE = Number(process.env.HOSTILE_MESSAGES ?? 100_000);
    const VALID_EVERY = 250; // one valid record per 250 hostile ones: 400 valid records
    const target = jsonTarget({ ...DENSE, spec: { ...DENSE.spec, maxMessageBytes: MAX_MESSAGE_BYTES, maxJsonDepth: DEFAULT_MAX_JSON_DEPTH } });
    const rng = createRng(20261127);
    const messages: Sent[] = [];
    const categories = new Map<string, number>();
    let hostile = 0;
    let valid = 0;
    for (let i = 0; hostile < HOSTILE; i++) {
      const c = target.generate(rng, i);
      // The generators' giant values (1 MB each, 1 in 50) are replaced by a few below; valid ones by records written here.
      if (c.category === 'huge' || c.category === 'deep-1e5' || c.expect === 'ok') continue;
      // 'any' cases (random bytes, mutations, junk) are hostile only when they are not a UTF-8 JSON object.
      if (c.expect === 'any' && isUtf8JsonObject(c.message.value)) continue;
      categories.set(c.category, (categories.get(c.category) ?? 0) + 1);
      messages.push({ partition: rng.int(PARTITIONS), key: c.message.key, value: c.message.value, hostile: true, reason: c.expect === 'any' ? undefined : c.expect });
      hostile++;
      if (hostile % VALID_EVERY === 0) messages.push(validRecord(rng, valid++ % 8));
    }
    // Values near the broker's limit (1 MB): over the service's limit, and just under it (a 10^6-byte JSON with
    // the wrong dimension, random bytes), and 10^5 levels of nesting; spread through the input.
    const huge: Sent[] = [
      ...[1_000_001, 1_010_000, 1_040_000, 1_048_000].map((n) => ({ value: Buffer.alloc(n, 0x5b), reason: 'too-large' })), // the last is cut in its dead letter
      { value: randomBytes(rng, 1_040_000), reason: 'too-large' },
      { value: bytes(`{"x":[${'1,'.repeat(499_990)}1],"y":[0,0]}`), reason: 'wrong-dimension' },
      { value: randomBytes(rng, 999_000), reason: undefined },
      ...DEEP_VALUES.map((value) => ({ value, reason: 'too-deep' })),
    ].map((h) => ({ partition: rng.int(PARTITIONS), key: bytes(`huge-${rng.int(1000)}`), value: h.value, hostile: true, reason: h.reason }));
    assert.ok(!huge.some((h) => isUtf8JsonObject(h.value) && h.reason === undefined));
    for (const h of huge) messages.splice(rng.int(messages.length), 0, h);
    hostile += huge.length;
    categories.set('near-limit', huge.length);
    t.diagnostic(`${hostile} hostile + ${valid} valid messages, ${(messages.reduce((n, m) => n + sizeOf(m), 0) / 2 ** 20).toFixed(1)} MB; ` +
      `categories ${JSON.stringify(Object.fromEntries(categories))}`);

    const kafka = testKafka(broker.bootstrap);
    const rec = recorder('hostile');
    const service = new StreamService(config('hostile'), rec.events);
    await service.start([broker.bootstrap]);
    t.after(() => service.stop()); // also when an assertion fails: no consumer left running
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    await produceAll(producer, 'hostile-in', messages);
    await producer.disconnect();
    const produced = Date.now();
    t.diagnostic(`produced in ${((produced - started) / 1000).toFixed(1)} s`);

    await waitFor(() => rec.fatal.length > 0 || (service.status.deadLetters >= hostile && service.status.predictionsPublished >= valid), 120_000,
      () => `status ${JSON.stringify({ ...service.status, assigned: undefined })}`);
    assert.deepEqual(rec.fatal.map((e) => e.message), [], 'the service did not fail');
    await waitCommittedToEnd(kafka, 'hostile-group', 'hostile-in', 60_000);
    await service.stop();
    assert.deepEqual(rec.fatal.map((e) => e.message), [], 'the service did not fail');
    const consumed = Date.now();
    t.diagnostic(`consumed, dead-lettered and committed ${((consumed - produced) / 1000).toFixed(1)} s after the last send`);

    const sent = new Map(messages.map((m) => [idOf(m.partition, m.offset!), m]));
    assert.equal(sent.size, messages.length, 'distinct offsets');
    const dead = await readAll(kafka, 'hostile-dlq', 120_000);
    const deadCount = countById(dead, (d) => idOf(Number(d.headers['x-source-partition']), d.headers['x-source-offset']));
    const problems: string[] = [];
    const problem = (what: string): void => { if (problems.length < 20) problems.push(what); };
    for (const d of dead) {
      const id = idOf(Number(d.headers['x-source-partition']), d.headers['x-source-offset']);
      const m = sent.get(id);
      if (d.headers['x-source-topic'] !== 'hostile-in' || m === undefined) { problem(`${id}: a dead letter for no produced message`); continue; }
      if (!m.hostile) { problem(`${id}: a valid record was dead-lettered (${d.headers['x-dead-letter-reason']})`); continue; }
      const reason = d.headers['x-dead-letter-reason'] ?? '';
      if (!REASONS.has(reason)) problem(`${id}: reason ${JSON.stringify(reason)}`);
      if (m.reason !== undefined && reason !== m.reason) problem(`${id}: reason ${reason}, expected ${m.reason}`);
      if ((d.headers['x-dead-letter-detail'] ?? '') === '') problem(`${id}: no detail`);
      const original = m.value ?? Buffer.alloc(0);
      const cutFrom = d.headers['x-dead-letter-truncated-from'];
      if (cutFrom !== undefined) {
        // Cut to fit the broker's limit: a prefix of the original, whose length is recorded.
        if (cutFrom !== String(original.length) || !original.subarray(0, d.value?.length ?? 0).equals(d.value ?? Buffer.alloc(0))) problem(`${id}: truncated value is not a prefix of the original with its length`);
      } else if (!(d.value ?? Buffer.alloc(0)).equals(original)) problem(`${id}: value differs from the original (${d.value?.length} vs ${original.length} bytes)`);
      if ((d.key ?? '') !== (m.key?.toString() ?? '')) problem(`${id}: key differs from the original`);
    }
    let missing = 0;
    for (const [id, m] of sent) if (m.hostile && !deadCount.has(id)) { missing++; problem(`${id}: hostile message (${m.reason ?? 'any'}) not dead-lettered`); }
    const duplicates = [...deadCount.values()].reduce((n, c) => n + c - 1, 0);
    t.diagnostic(`${dead.length} dead letters for ${hostile} hostile messages (${missing} missing, ${duplicates} duplicates)`);
    assert.deepEqual(problems, []);

    const predictions = await readAll(kafka, 'hostile-pred', 60_000);
    const predicted = countById(predictions, (p) => {
      const v = JSON.parse(p.value!.toString()) as { partition: number; offset: string };
      return idOf(v.partition, v.offset);
    });
    for (const [id, m] of sent) {
      if (!m.hostile) assert.ok(predicted.has(id), `valid record ${id} has a prediction`);
      else assert.ok(!predicted.has(id), `hostile message ${id} has no prediction`);
    }
    t.diagnostic(`${predictions.length} predictions for ${valid} valid records; checked in ${((Date.now() - consumed) / 1000).toFixed(1)} s; ` +
      `total ${((Date.now() - started) / 1000).toFixed(1)} s`);
  });

  it('broker stopped for a few seconds and started again during consumption: the service recovers by itself, every record predicted, offsets committed to the end', async (t) => {
    const OUTAGE_MS = Number(process.env.OUTAGE_MS ?? 5000);
    const ROUNDS = 40; // per half; 6 keys per round
    const KEYS = 6;
    const BURST = 3000;
    const kafka = testKafka(broker.bootstrap);
    const rec = recorder('restart');
    // Sends fail while the broker is down: on the publishing thread, the errors cross back and are retried as on the event loop.
    const service = new StreamService(config('restart', ['--output.publishThread=on']), rec.events);
    await service.start([broker.bootstrap]);
    t.after(() => service.stop());
    await waitFor(() => service.status.assigned.length === PARTITIONS, 60_000, () => `assigned ${service.status.assigned}`);
    const rng = createRng(7);
    const all: Sent[] = [];
    /** One round (a record per key) every 50 ms: consumption runs while records arrive. */
    const produceHalf = async (): Promise<void> => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      for (let r = 0; r < ROUNDS; r++) {
        const round = Array.from({ length: KEYS }, (_, k) => validRecord(rng, k));
        await produceAll(producer, 'restart-in', round);
        all.push(...round);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await producer.disconnect();
    };
    await produceHalf();
    // and a burst, so that the broker goes away while the service is still reading, training and publishing
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const burst = Array.from({ length: BURST }, (_, i) => validRecord(rng, i % KEYS));
    await produceAll(producer, 'restart-in', burst);
    all.push(...burst);
    await producer.disconnect();
    await waitFor(() => service.status.recordsConsumed > all.length - BURST, 30_000, () => `consumed ${service.status.recordsConsumed}`);
    const before = { ...service.status };
    const stopped = Date.now();
    const outcome = await broker.stop({ removeData: false });
    let notReadySeen = false;
    const watch = setInterval(() => { if (!service.ready) notReadySeen = true; }, 50);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await broker.launch(); // down until it answers again
    clearInterval(watch);
    assert.ok(notReadySeen, '/readyz turned false while the broker was down');
    const down = (Date.now() - stopped) / 1000;
    t.diagnostic(`broker ${outcome} with ${before.recordsConsumed} of ${all.length} records consumed, ${before.predictionsPublished} predictions published; down ${down.toFixed(1)} s (restart took ${broker.lastStartSeconds.toFixed(1)} s)`);
    await produceHalf();
    const resumed = Date.now();

    await waitFor(() => rec.fatal.length > 0 || service.status.predictionsPublished >= all.length, 120_000,
      () => `status ${JSON.stringify({ ...service.status, assigned: undefined })}`);
    assert.deepEqual(rec.fatal.map((e) => e.message), [], 'the service did not fail');
    await waitCommittedToEnd(kafka, 'restart-group', 'restart-in', 60_000);
    await waitFor(() => service.ready, 30_000, () => 'ready again after the outage');
    t.diagnostic(`all predicted and committed ${((Date.now() - resumed) / 1000).toFixed(1)} s after the last send; ${service.status.consumerRestarts} consumers restarted by the service; ` +
      `service warnings and errors: ${rec.lines.filter((l) => / (warn|error) /.test(l)).length}, e.g. ` +
      [...new Set(rec.lines.filter((l) => / (warn|error) /.test(l)).map((l) => l.split(' ').slice(2).join(' ').slice(0, 160)))].slice(0, 8).join(' | '));
    await service.stop();
    assert.deepEqual(rec.fatal.map((e) => e.message), [], 'the service did not fail');

    const predictions = await readAll(kafka, 'restart-pred', 60_000);
    const predicted = countById(predictions, (p) => {
      const v = JSON.parse(p.value!.toString()) as { partition: number; offset: string };
      return idOf(v.partition, v.offset);
    });
    const missing = all.filter((m) => !predicted.has(idOf(m.partition, m.offset!))).map((m) => idOf(m.partition, m.offset!));
    const duplicates = [...predicted.values()].reduce((n, c) => n + c - 1, 0);
    t.diagnostic(`${predictions.length} predictions for ${all.length} records: ${missing.length} missing, ${duplicates} duplicates`);
    assert.deepEqual(missing, [], 'every record has a prediction');
    assert.equal(predicted.size, all.length, 'no prediction for an offset that was not produced');
  });

  it('the producer edge sends a near-limit message together with smaller ones to one partition (requests split under the broker limit)', async () => {
    const kafka = testKafka(broker.bootstrap);
    const client = createKafkaClient({ brokers: [broker.bootstrap], clientId: 'sink-test' });
    await ensureTopics(client, ['sink-big'], 1);
    const sink = new KafkaProducerSink(client);
    await sink.connect();
    // a dead letter of a 1,040,000-byte value with a 1000-character detail, between 2 × 1000 small messages
    const small = (i: number) => ({ key: 'k', value: `small-${i}`, headers: { 'x-dead-letter-reason': 'malformed-json' } });
    const big = { key: 'k', value: Buffer.alloc(1_040_000, 0x5b), headers: { 'x-dead-letter-reason': 'too-large', 'x-dead-letter-detail': 'd'.repeat(1000) } };
    const sent = [...Array.from({ length: 1000 }, (_, i) => small(i)), big, ...Array.from({ length: 1000 }, (_, i) => small(1000 + i))];
    await sink.sendBatch(new Map([['sink-big', sent]]));
    await sink.disconnect();
    const read = (await readAll(kafka, 'sink-big')).sort((a, b) => Number(BigInt(a.offset) - BigInt(b.offset)));
    assert.equal(read.length, sent.length);
    read.forEach((m, i) => assert.ok(m.value!.equals(Buffer.from(sent[i].value)), `message ${i} in order`));
  });
});
