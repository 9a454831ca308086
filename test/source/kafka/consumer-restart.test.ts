import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { test } from 'node:test';
import * as kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { isTransientKafkaError, KafkaRecordSource } from '../../../src/source/kafka/kafka-record-source';

// kafkajs's own error classes; its type declarations leave out their constructors' options.
type ErrorClass = new (e: unknown, options?: Record<string, unknown>) => Error;
const {
  KafkaJSConnectionError, KafkaJSGroupCoordinatorNotFound, KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError,
} = kafkajs as unknown as Record<string, ErrorClass>;

test('isTransientKafkaError: broker outage errors are transient, final broker refusals and our own errors are not', () => {
  assert.ok(isTransientKafkaError(new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator')));
  assert.ok(isTransientKafkaError(new KafkaJSConnectionError('Connection error: connect ECONNREFUSED')));
  assert.ok(isTransientKafkaError(new KafkaJSNumberOfRetriesExceeded(new Error('x'), { retryCount: 5, retryTime: 100 })));
  // wrapped: the cause decides
  assert.ok(isTransientKafkaError(new KafkaJSNonRetriableError(new Error('Request failed'), { cause: new KafkaJSConnectionError('Connection closed') })));
  assert.ok(isTransientKafkaError(new KafkaJSProtocolError({ message: 'The coordinator is loading', type: 'COORDINATOR_LOAD_IN_PROGRESS', code: 14, retriable: true })));
  assert.ok(!isTransientKafkaError(new KafkaJSProtocolError({ message: 'Not authorized to access topics', type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false })));
  assert.ok(!isTransientKafkaError(new KafkaJSNonRetriableError('Invalid partition metadata')));
  assert.ok(!isTransientKafkaError(new TypeError('a bug')));
  assert.ok(!isTransientKafkaError(undefined));
});

/** A kafkajs consumer stand-in: records calls, emits the events the source listens to. */
class FakeConsumer extends EventEmitter {
  readonly events = { CONNECT: 'connect', FETCH: 'fetch', HEARTBEAT: 'heartbeat', DISCONNECT: 'disconnect', CRASH: 'crash', GROUP_JOIN: 'group_join' };
  calls: string[] = [];
  constructor(private readonly failConnect: boolean) { super(); }
  async connect(): Promise<void> {
    this.calls.push('connect');
    if (this.failConnect) throw new KafkaJSConnectionError('Connection error: connect ECONNREFUSED');
  }
  async subscribe(): Promise<void> { this.calls.push('subscribe'); }
  async run(): Promise<void> { this.calls.push('run'); }
  async disconnect(): Promise<void> { this.calls.push('disconnect'); }
  crash(error: Error, restart: boolean): void { this.emit('crash', { payload: { error, restart, groupId: 'g' } }); }
}

function fakeKafka(failConnects: boolean[]): { kafka: Kafka; consumers: FakeConsumer[] } {
  const consumers: FakeConsumer[] = [];
  const kafka = { consumer: () => { const c = new FakeConsumer(failConnects[consumers.length] ?? false); consumers.push(c); return c; } };
  return { kafka: kafka as unknown as Kafka, consumers };
}

const options = (kafka: Kafka) => ({ kafka, groupId: 'g', topics: ['in'], fromBeginning: true, sessionTimeoutMs: 10_000, heartbeatIntervalMs: 1000 });

test('KafkaRecordSource starts a new consumer when kafkajs gives up on a transient error, with growing waits, and reports a final error as a crash', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  // the second consumer cannot connect (broker still down); the third can
  const { kafka, consumers } = fakeKafka([false, true, false]);
  const source = new KafkaRecordSource(options(kafka));
  const crashes: Error[] = [];
  const restarts: Array<{ message: string; waitMs: number }> = [];
  await source.start({
    onMessages: () => undefined,
    onAssignment: () => undefined,
    onCrash: (e) => crashes.push(e),
    onRestart: (e, waitMs) => restarts.push({ message: e.message, waitMs }),
  });
  assert.equal(consumers.length, 1);
  assert.deepEqual(consumers[0].calls, ['connect', 'subscribe', 'run']);

  // kafkajs restarts by itself after retriable errors: nothing to do
  consumers[0].crash(new KafkaJSConnectionError('Connection closed'), true);
  t.mock.timers.tick(60_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(consumers.length, 1);

  consumers[0].crash(new KafkaJSGroupCoordinatorNotFound('Failed to find group coordinator'), false);
  assert.equal(source.connected, false, 'not connected while restarting');
  assert.deepEqual(restarts, [{ message: 'Failed to find group coordinator', waitMs: 1000 }]);
  t.mock.timers.tick(999);
  assert.equal(consumers.length, 1, 'waits before the new consumer');
  t.mock.timers.tick(1);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(consumers.length, 2);
  assert.deepEqual(consumers[0].calls.slice(-1), ['disconnect']);
  assert.deepEqual(consumers[1].calls, ['connect']);
  assert.deepEqual(restarts.map((r) => r.waitMs), [1000, 2000], 'the failed connect waits twice as long');
  t.mock.timers.tick(2000);
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  assert.equal(consumers.length, 3);
  assert.deepEqual(consumers[2].calls, ['connect', 'subscribe', 'run']);
  assert.equal(source.restarts, 2);
  assert.deepEqual(crashes, []);

  // a crash of a consumer that was replaced is ignored; a final error of the current one is reported
  consumers[0].crash(new KafkaJSGroupCoordinatorNotFound('stale'), false);
  assert.equal(restarts.length, 2);
  const refused = new KafkaJSProtocolError({ message: 'Not authorized', type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false });
  consumers[2].crash(refused, false);
  assert.deepEqual(crashes, [refused]);

  // after stop, no restart
  await source.stop();
  consumers[2].crash(new KafkaJSGroupCoordinatorNotFound('late'), false);
  t.mock.timers.tick(60_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(consumers.length, 3);
});
