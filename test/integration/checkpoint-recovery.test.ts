// Checkpoints on a real Apache Kafka broker: a service stopped and restarted several times mid-stream ends
// with bit-identical parameters to an uninterrupted run on the same input; the restored state (keys' hidden
// states and histories, optimizer, estimator, RNG) continues exactly; offsets are committed only for what a
// durable checkpoint covers.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import type { ServiceConfig } from '../../src/config/config-schema';
import { StreamService } from '../../src/service/stream-service';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { committedOffsets, testKafka, waitFor } from './support/kafka-io';
import { hostileFreeRecords, paramsEqual } from './support/checkpoint-runs';

function config(prefix: string, dir: string, extra: string[] = []): ServiceConfig {
  const keyOf = (flag: string) => flag.split('=')[0];
  const overridden = new Set(extra.map(keyOf));
  return loadConfig({
    argv: [
      `--kafka.inputTopics=${prefix}-in`, `--kafka.predictionsTopic=${prefix}-pred`, `--kafka.deadLetterTopic=${prefix}-dlq`,
      `--kafka.groupId=${prefix}-group`, '--kafka.createTopicsPartitions=1', '--kafka.sessionTimeoutMs=10000', '--kafka.heartbeatIntervalMs=1000',
      '--input.values=tokens', '--input.target=explicit', '--model.inputSize=5', '--model.outputSize=5', '--model.head=softmax', '--model.hiddenSize=12',
      '--truncation.mode=adaptive', '--truncation.k0=4', '--truncation.kMin=2', '--truncation.kMax=8', '--truncation.window=16', '--truncation.tau=8',
      '--truncation.everyWindows=15', '--truncation.everySeconds=0', '--truncation.diagnosticStreams=3', '--state.historySteps=32',
      '--training.batchStreams=1', '--training.idleFlushMs=0', '--training.engine=ts', '--training.optimizer=adam', '--training.learningRate=0.01',
      `--checkpoint.dir=${dir}`, '--checkpoint.everyWindows=9', '--checkpoint.everySeconds=0', '--checkpoint.instance=one',
      '--output.maxBufferedRecords=100000',
    ].filter((f) => !overridden.has(keyOf(f))).concat(extra),
    env: {}, cwd: process.cwd(),
  });
}

describe('checkpoints on a real broker', { timeout: 300_000 }, () => {
  let broker: LocalBroker;
  let work: string;
  before(async () => {
    broker = await startLocalBroker();
    work = await mkdtemp(join(tmpdir(), 'tbptt-ckpt-'));
  });
  after(async () => {
    await broker?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('a run stopped and restored four times ends with the same parameters as an uninterrupted run', async () => {
    const kafka = testKafka(broker.bootstrap);
    const records = hostileFreeRecords(6, 150, 5, 7);
    const producer = kafka.producer();
    await producer.connect();
    const produce = async (from: number, to: number) => {
      for (let i = from; i < to; i += 300) await producer.send({ topic: 'ck1-in', messages: records.slice(i, Math.min(i + 300, to)) });
    };

    // Interrupted: the records arrive in five parts; after each part the service stops, and a new one
    // restores the checkpoint and resumes (the parts end mid-window for most keys).
    let consumed = 0;
    let last: StreamService | undefined;
    const restoredKeys: number[] = [];
    for (let run = 0; run < 5; run++) {
      const svc = new StreamService(config('ck1', join(work, 'int'), ['--kafka.groupId=ck1-int']));
      await svc.start([broker.bootstrap]);
      await waitFor(() => svc.ready, 30_000, () => 'ready');
      restoredKeys.push(svc.learnerParts.learner.activeKeys);
      const target = Math.round(((run + 1) * records.length) / 5) + (run < 4 ? 17 : 0);
      await produce(Math.round((run * records.length) / 5) + (run > 0 ? 17 : 0), target);
      await waitFor(() => consumed + svc.status.recordsConsumed >= target, 60_000, () => JSON.stringify(svc.status));
      await svc.stop();
      consumed += svc.status.recordsConsumed;
      last = svc;
    }
    await producer.disconnect();
    assert.equal(consumed, records.length, 'each record consumed once over the restarts');
    assert.deepEqual(restoredKeys, [0, 6, 6, 6, 6], 'every restart restored the six keys');

    // Uninterrupted reference (its own group and checkpoint directory, same topic).
    const ref = new StreamService(config('ck1', join(work, 'ref'), ['--kafka.groupId=ck1-ref']));
    await ref.start([broker.bootstrap]);
    await waitFor(() => ref.status.recordsConsumed >= records.length, 60_000, () => JSON.stringify(ref.status));
    await ref.stop();
    assert.ok(ref.learnerParts.learner.windows > 100, `the reference trained ${ref.learnerParts.learner.windows} windows`);

    const diff = paramsEqual(ref.learnerParts.params, last!.learnerParts.params);
    assert.equal(diff, undefined, diff);
    assert.equal(last!.learnerParts.learner.windows, ref.learnerParts.learner.windows, 'same number of windows');
    assert.equal(last!.learnerParts.learner.k, ref.learnerParts.learner.k, 'same K');
    const committed = await committedOffsets(kafka, 'ck1-int', 'ck1-in');
    assert.equal(committed.get(0), String(records.length), 'committed to the end after the final checkpoint');
  });
});
