// Checkpoints on a real Apache Kafka broker: a service stopped and restarted several times mid-stream ends
// with bit-identical parameters to an uninterrupted run on the same input; the restored state (keys' hidden
// states and histories, optimizer, estimator, RNG) continues exactly; offsets are committed only for what a
// durable checkpoint covers.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
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

  it('rebalance with two instances: the moved keys continue on their new owner from their saved state', async () => {
    const kafka = testKafka(broker.bootstrap);
    const records = hostileFreeRecords(8, 120, 5, 9);
    const half = records.length / 2;
    const producer = kafka.producer();
    await producer.connect();
    const shared = join(work, 'shared');
    const cfg = (instance: string) => config('ck2', shared, [
      '--kafka.createTopicsPartitions=2', '--checkpoint.everyWindows=0', '--checkpoint.everySeconds=1', `--checkpoint.instance=${instance}`,
      '--training.idleFlushMs=0', '--kafka.sessionTimeoutMs=8000',
    ]);
    const logs = new Map<string, string[]>([['a', []], ['b', []]]);
    const events = (name: string) => ({ log: (_level: string, message: string) => { logs.get(name)!.push(message); } });
    const a = new StreamService(cfg('a'), events('a'));
    await a.start([broker.bootstrap]);
    await waitFor(() => a.ready, 30_000, () => 'a ready');
    await producer.send({ topic: 'ck2-in', messages: records.slice(0, half) });
    await waitFor(() => a.status.recordsConsumed >= half, 60_000, () => JSON.stringify(a.status));
    assert.equal(a.status.assigned.length, 2);

    const b = new StreamService(cfg('b'), events('b'));
    await b.start([broker.bootstrap]);
    await waitFor(() => a.status.assigned.length === 1 && b.ready, 60_000, () => `a ${a.status.assigned} b ${b.status.assigned}`);
    await producer.send({ topic: 'ck2-in', messages: records.slice(half) });
    await producer.disconnect();
    await waitFor(() => a.status.recordsConsumed + b.status.recordsConsumed >= records.length, 60_000,
      () => `a ${a.status.recordsConsumed} b ${b.status.recordsConsumed}`);
    const restored = logs.get('b')!.find((m) => /^restored \d+ keys of .* from .*instances\/a\//.test(m));
    assert.ok(restored && !restored.startsWith('restored 0 '), `b restored the moved keys from a's checkpoint: ${logs.get('b')!.join(' | ')}`);

    // Every key of b's partition has its whole history: positions continue from a's, not from zero.
    const perKey = new Map<string, number>();
    for (const r of records) perKey.set(r.key, (perKey.get(r.key) ?? 0) + 1);
    const moved = [...perKey.keys()].filter((k) => b.learnerParts.learner.history(k));
    assert.ok(moved.length > 0, 'b holds some keys');
    for (const key of moved) {
      const h = b.learnerParts.learner.history(key)!;
      assert.equal(h.total + h.waiting - h.pending, perKey.get(key), `${key}: b's history counts every step of the key`);
      assert.equal(a.learnerParts.learner.history(key), undefined, `${key}: a let it go`);
    }
    await b.stop();
    await a.stop();
  });

  it('repeated non-finite losses: updates skipped and counted, the model rolled back to the newest checkpoint, the stream goes on', async () => {
    const kafka = testKafka(broker.bootstrap);
    const cfg = config('ck3', join(work, 'nan'), [
      '--input.values=dense', '--model.inputSize=2', '--model.outputSize=1', '--model.head=mse', '--training.optimizer=sgd',
      '--truncation.mode=fixed', '--checkpoint.everyWindows=3', '--training.rollbackAfterSkips=3',
    ]);
    const rolled: string[] = [];
    let skipped = 0;
    const svc = new StreamService(cfg, { rolledBack: (dir) => rolled.push(dir), window: (r) => { if (r.skipped) skipped++; } });
    await svc.start([broker.bootstrap]);
    await waitFor(() => svc.ready, 30_000, () => 'ready');
    const rec = (t: number, y: number) => ({ key: 'k', value: JSON.stringify({ x: [Math.sin(t), Math.cos(t)], y: [y] }) });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: 'ck3-in', messages: Array.from({ length: 80 }, (_, t) => rec(t, Math.sin(t + 1))) });
    await waitFor(() => svc.status.stepsTrained >= 80, 30_000, () => JSON.stringify(svc.status));
    await waitFor(() => svc.status.windows >= 20, 30_000, () => 'windows');
    // The newest checkpoint holds these parameters (periodic ones may still be behind the latest windows).
    assert.ok(await svc.checkpointNow('test'), 'checkpoint written');
    const before = new Map([...svc.learnerParts.params.tensors].map(([n, t]) => [n, Float32Array.from(t.data)]));
    // Targets of 3e38 are finite numbers (valid records), but their squared error overflows float32: every
    // window's loss is +Inf, so every update is skipped.
    await producer.send({ topic: 'ck3-in', messages: Array.from({ length: 40 }, (_, t) => rec(80 + t, 3e38)) });
    await waitFor(() => rolled.length >= 1, 30_000, () => `skipped ${skipped}, status ${JSON.stringify(svc.status)}`);
    assert.ok(skipped >= 3, `${skipped} updates skipped`);
    for (const [n, t] of svc.learnerParts.params.tensors) assert.ok(t.data.every(Number.isFinite), `${n} finite after the rollback`);
    const after = svc.learnerParts.params.tensors;
    assert.ok([...before].every(([n, d]) => d.every((v, i) => v === after.get(n)!.data[i])), 'skipped updates left the parameters untouched');
    // Normal records again: training resumes with updates that are not skipped.
    const skippedBefore = skipped;
    const windowsBefore = svc.status.windows;
    await producer.send({ topic: 'ck3-in', messages: Array.from({ length: 80 }, (_, t) => rec(120 + t, Math.sin(t))) });
    await producer.disconnect();
    await waitFor(() => svc.status.windows >= windowsBefore + 15, 30_000, () => JSON.stringify(svc.status));
    await svc.stop();
    assert.ok(skipped - skippedBefore < svc.status.windows - windowsBefore, 'most windows after the bad records update the model');
  });

  it('keys beyond state.maxKeys go to disk and come back exactly: same parameters as with every key in memory, across restarts', async () => {
    const kafka = testKafka(broker.bootstrap);
    // 12 keys arriving in bursts of a few keys at a time, so that keys leave memory and come back often.
    const base = hostileFreeRecords(12, 60, 5, 21);
    const records = [...base].sort((p, q) => {
      const block = (r: { key: string }, i: number) => Math.floor(i / 90) * 100 + (Number(r.key.slice(4)) % 3);
      return block(p, base.indexOf(p)) - block(q, base.indexOf(q));
    });
    const producer = kafka.producer();
    await producer.connect();
    const fixed = ['--truncation.mode=fixed', '--training.optimizer=sgd'];

    // With a cap of 4 keys in memory, stopped and restored twice (the records arrive in three parts).
    let consumed = 0;
    let last: StreamService | undefined;
    let mostInMemory = 0;
    let restoredFromDisk = 0;
    const cuts = [0, 250, 470, records.length];
    for (let run = 0; run < 3; run++) {
      const svc: StreamService = new StreamService(config('ck4', join(work, 'lru'), [...fixed, '--kafka.groupId=ck4-lru', '--state.maxKeys=4', '--truncation.diagnosticStreams=2']),
        { window: () => { mostInMemory = Math.max(mostInMemory, svc.learnerParts.learner.activeKeys); } });
      await svc.start([broker.bootstrap]);
      await waitFor(() => svc.ready, 30_000, () => 'ready');
      await producer.send({ topic: 'ck4-in', messages: records.slice(cuts[run], cuts[run + 1]) });
      await waitFor(() => consumed + svc.status.recordsConsumed >= cuts[run + 1], 60_000, () => JSON.stringify(svc.status));
      await svc.stop();
      consumed += svc.status.recordsConsumed;
      restoredFromDisk += svc.status.keysRestoredFromDisk;
      last = svc;
    }
    await producer.disconnect();
    assert.equal(consumed, records.length);
    assert.ok(restoredFromDisk > 20, `${restoredFromDisk} times a key came back from disk`);
    assert.ok(mostInMemory <= 4 + 1, `at most ${mostInMemory} keys in memory (cap 4, plus keys with untrained steps)`);

    // Every key in memory, uninterrupted, on the same records.
    const inMemory = new StreamService(config('ck4', join(work, 'mem'), [...fixed, '--kafka.groupId=ck4-mem', '--state.maxKeys=1000']));
    await inMemory.start([broker.bootstrap]);
    await waitFor(() => inMemory.status.recordsConsumed >= records.length, 60_000, () => JSON.stringify(inMemory.status));
    await inMemory.stop();
    assert.equal(inMemory.status.evictedKeys, 0);
    const diff = paramsEqual(inMemory.learnerParts.params, last!.learnerParts.params);
    assert.equal(diff, undefined, diff);
  });

  it('a checkpoint folder that cannot be written: a clear error, counted; training goes on; checkpoints resume once it can', async () => {
    const kafka = testKafka(broker.bootstrap);
    const dir = join(work, 'unwritable');
    const failures: Error[] = [];
    let written = 0;
    const svc = new StreamService(config('ck5', dir, ['--checkpoint.everyWindows=0', '--checkpoint.everySeconds=1', '--checkpoint.instance=u']),
      { checkpointFailed: (e) => failures.push(e), checkpointed: () => { written++; } });
    await svc.start([broker.bootstrap]);
    await waitFor(() => svc.ready && written > 0, 30_000, () => 'first checkpoint');
    // The instance folder becomes a plain file: every write fails (as with a full or read-only disk).
    const instanceDir = join(dir, 'instances', 'u');
    const saved = join(work, 'unwritable-saved');
    await rename(instanceDir, saved);
    await writeFile(instanceDir, 'not a folder');
    const producer = kafka.producer();
    await producer.connect();
    const records = hostileFreeRecords(3, 40, 5, 4);
    await producer.send({ topic: 'ck5-in', messages: records });
    await waitFor(() => failures.length >= 2 && svc.status.recordsConsumed >= records.length, 30_000, () => `${failures.length} failures`);
    assert.match(failures[0].message, /cannot write a checkpoint in .*instances\/u/);
    assert.ok(svc.status.windows > 0, 'training went on');
    const committedWhileFailing = await committedOffsets(kafka, 'ck5-group', 'ck5-in');
    assert.ok(!committedWhileFailing.get(0) || Number(committedWhileFailing.get(0)) < records.length, 'nothing committed past the last durable checkpoint');
    // The folder is back: checkpoints and commits resume by themselves.
    await rm(instanceDir);
    await rename(saved, instanceDir);
    const before = written;
    await waitFor(() => written > before, 30_000, () => 'a checkpoint after the folder came back');
    await producer.disconnect();
    await svc.stop();
    const committed = await committedOffsets(kafka, 'ck5-group', 'ck5-in');
    assert.equal(committed.get(0), String(records.length));
  });
});
