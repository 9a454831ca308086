// The producer thread (output.publishThread) on a real Apache Kafka broker: it must put on the topic
// exactly what the producer on the service's own thread puts there, and fail the same way.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Worker } from 'node:worker_threads';
import type { ProducedMessage } from '../../src/sinks/produced-message';
import { KafkaProducerSink } from '../../src/source/kafka/kafka-producer-sink';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { ProducerThreadExited, ThreadedProducerSink } from '../../src/source/kafka/producer-thread/threaded-producer-sink';
import { readAll, testKafka, type ReadMessage } from './support/kafka-io';

/** 300 messages over 10 keys: text and binary values (not UTF-8), string and Buffer keys, some with headers. */
function messages(): ProducedMessage[] {
  return Array.from({ length: 300 }, (_, i) => ({
    key: i % 7 === 0 ? Buffer.from(`k${i % 10}`) : `k${i % 10}`,
    value: i % 5 === 0 ? Buffer.from([0xff, 0x00, i % 256, 0xfe]) : `{"i":${i},"text":"κείμενο ${i}"}`,
    ...(i % 3 === 0 ? { headers: { reason: `r${i}`, 'x-original-topic': 'in' } } : {}),
  }));
}

/** Per partition, in offset order: key, value bytes and headers. */
function layout(read: readonly ReadMessage[]): string[] {
  return [...read].sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)))
    .map((m) => `${m.partition}|${m.key}|${m.value?.toString('hex')}|${JSON.stringify(m.headers)}`);
}

describe('the producer thread on a real broker', { timeout: 240_000 }, () => {
  let broker: LocalBroker;
  before(async () => { broker = await startLocalBroker(); });
  after(async () => { await broker?.stop(); });

  it('puts on the topic exactly what the producer on the service\'s thread does: keys, bytes, headers, partitions, order', async () => {
    const kafka = testKafka(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: ['tp-direct', 'tp-thread', 'tp-other'].map((topic) => ({ topic, numPartitions: 3 })) });
    await admin.disconnect();
    const all = messages();
    const direct = new KafkaProducerSink(kafka);
    const threaded = new ThreadedProducerSink({ brokers: [broker.bootstrap], clientId: 'tp-test' });
    await direct.connect();
    await threaded.connect();
    try {
      for (let from = 0; from < all.length; from += 100) {
        const part = all.slice(from, from + 100);
        await direct.sendBatch(new Map([['tp-direct', part]]));
        // Sends handed over back to back (not awaited one by one) keep their order too.
        await Promise.all([
          threaded.sendBatch(new Map([['tp-thread', part.slice(0, 50)], ['tp-other', part.slice(0, 1)]])),
          threaded.sendBatch(new Map([['tp-thread', part.slice(50)]])),
        ]);
      }
    } finally {
      await direct.disconnect();
      await threaded.disconnect();
    }
    const [a, b, other] = await Promise.all([readAll(kafka, 'tp-direct'), readAll(kafka, 'tp-thread'), readAll(kafka, 'tp-other')]);
    assert.equal(b.length, all.length);
    assert.equal(other.length, 3);
    assert.deepEqual(layout(b), layout(a));
    // Per key, the values arrive in the order they were sent.
    for (let k = 0; k < 10; k++) {
      const sent = all.filter((m) => String(m.key) === `k${k}`).map((m) => Buffer.from(m.value as string | Buffer).toString('hex'));
      const got = layout(b).filter((line) => line.split('|')[1] === `k${k}`).map((line) => line.split('|')[2]);
      assert.deepEqual(got, sent, `key k${k}`);
    }
  });

  it('a send the broker refuses fails as final, the thread goes on; a stopped thread fails what is sent to it', async () => {
    const kafka = testKafka(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic: 'tp-big', numPartitions: 1 }, { topic: 'tp-after', numPartitions: 1 }] });
    await admin.disconnect();
    const logs: string[] = [];
    const threaded = new ThreadedProducerSink({ brokers: [broker.bootstrap], clientId: 'tp-test', log: (level, message) => logs.push(`${level} ${message}`) });
    await threaded.connect();
    const refused = await threaded.sendBatch(new Map([['tp-big', [{ key: 'k', value: Buffer.alloc(2_000_000, 1) }]]])).then(() => undefined, (e: unknown) => e);
    assert.ok(refused instanceof Error, 'a 2 MB message is over the broker\'s message.max.bytes');
    assert.match(`${(refused as Error & { type?: string }).type} ${refused.message}`, /MESSAGE_TOO_LARGE|too large/i);
    assert.equal(KafkaProducerSink.isRetriable(refused), false);
    await threaded.sendBatch(new Map([['tp-after', [{ key: 'k', value: 'still sending' }]]]));
    assert.deepEqual((await readAll(kafka, 'tp-after')).map((m) => m.value?.toString()), ['still sending']);

    // The thread stops from outside (as if it crashed): what is sent after that fails for good.
    await (threaded as unknown as { worker: Worker }).worker.terminate();
    const gone = await threaded.sendBatch(new Map([['tp-after', [{ key: 'k', value: 'lost' }]]])).then(() => undefined, (e: unknown) => e);
    assert.ok(gone instanceof ProducerThreadExited, String(gone));
    assert.equal(KafkaProducerSink.isRetriable(gone), false);
    await threaded.disconnect();
    await assert.rejects(threaded.sendBatch(new Map([['tp-after', [{ key: 'k', value: 'x' }]]])), /not connected/);
  });
});
