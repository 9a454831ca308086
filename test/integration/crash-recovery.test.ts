// kill -9 of `tbptt-stream run` at random moments, three times, while a producer writes: after recovery the
// final parameters are bit-identical to an uninterrupted run on the same input, and every record has a
// prediction (duplicates carry the same partition and offset).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load-config';
import { decodeSafetensors } from '../../src/learner/model/safetensors';
import { StreamService } from '../../src/service/stream-service';
import { InstanceCheckpoints } from '../../src/sinks/checkpoint/instance-checkpoints';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { createRng } from '../../src/util/rng';
import { paramsEqual, hostileFreeRecords } from './support/checkpoint-runs';
import { readAll, testKafka, waitFor } from './support/kafka-io';

const BIN = join(__dirname, '..', '..', '..', 'bin', 'tbptt-stream.js');

/** The service's settings (a config file for the CLI; the same for the in-process reference). */
function settings(dir: string) {
  return {
    kafka: {
      inputTopics: ['crash-in'], predictionsTopic: 'crash-pred', deadLetterTopic: 'crash-dlq', groupId: 'crash-group',
      createTopicsPartitions: 1, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500,
    },
    input: { values: 'tokens', target: 'explicit' },
    model: { inputSize: 5, outputSize: 5, head: 'softmax', hiddenSize: 12 },
    truncation: { mode: 'adaptive', k0: 4, kMin: 2, kMax: 8, window: 16, tau: 8, everyWindows: 15, everySeconds: 0, diagnosticStreams: 3 },
    state: { historySteps: 32 },
    training: { batchStreams: 1, idleFlushMs: 5000, engine: 'ts', optimizer: 'adam', learningRate: 0.01 },
    checkpoint: { dir, everyWindows: 5, everySeconds: 0, instance: 'crashy' },
    output: { maxBufferedRecords: 100000 },
    metrics: { port: 0 },
  };
}

describe('crash recovery (kill -9) on a real broker', { timeout: 300_000 }, () => {
  let broker: LocalBroker;
  let work: string;
  let child: ChildProcess | undefined;
  before(async () => {
    broker = await startLocalBroker();
    work = await mkdtemp(join(tmpdir(), 'tbptt-crash-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await broker?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('three kills while a producer writes: same final parameters as an uninterrupted run, every record predicted', async () => {
    const kafka = testKafka(broker.bootstrap);
    const records = hostileFreeRecords(6, 400, 5, 11);
    const dir = join(work, 'ckpt');
    const configPath = join(work, 'service.json');
    await writeFile(configPath, JSON.stringify(settings(dir)));
    let log = '';
    const startChild = (): Promise<void> => new Promise((resolve, reject) => {
      const c = spawn(process.execPath, [BIN, 'run', `--config=${configPath}`, `--kafka.brokers=${broker.bootstrap}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      child = c;
      let seen = '';
      const onData = (d: Buffer) => {
        seen += d.toString();
        log += d.toString();
        if (seen.includes('partitions assigned')) resolve();
      };
      c.stdout!.on('data', onData);
      c.stderr!.on('data', onData);
      c.once('exit', (code, signal) => { if (!seen.includes('partitions assigned')) reject(new Error(`service exited (${code ?? signal}) before its partitions were assigned:\n${seen}`)); });
    });

    // The producer writes steadily (~150 records/s) while the service is killed and restarted.
    const producer = kafka.producer();
    await producer.connect();
    await startChild();
    let produced = 0;
    const producing = (async () => {
      while (produced < records.length) {
        const batch = records.slice(produced, produced + 15);
        await producer.send({ topic: 'crash-in', messages: batch });
        produced += batch.length;
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    const rng = createRng(5);
    for (let kill = 0; kill < 3; kill++) {
      await new Promise((r) => setTimeout(r, 1000 + 2500 * rng.next()));
      const c = child!;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGKILL');
      await exited;
      await startChild();
    }
    await producing;
    await producer.disconnect();
    assert.ok(log.match(/restored \d+ keys/g)!.length >= 3, `every restart restored keys:\n${log}`);

    // Every record has a prediction (at least once); then a graceful stop writes the final checkpoint.
    const offsets = new Set(Array.from({ length: records.length }, (_, i) => String(i)));
    await waitFor(async () => {
      const preds = await readAll(kafka, 'crash-pred');
      for (const p of preds) offsets.delete(JSON.parse(p.value!.toString()).offset as string);
      return offsets.size === 0;
    }, 120_000, () => `${offsets.size} records without a prediction`);
    const c = child!;
    const exited = new Promise<number | null>((r) => c.once('exit', (code) => r(code)));
    c.kill('SIGTERM');
    assert.equal(await exited, 0, `graceful exit after SIGTERM:\n${log.slice(-2000)}`);
    child = undefined;
    const latest = await new InstanceCheckpoints(dir, 'crashy', 3).own.latest();
    assert.ok(latest, 'a final checkpoint exists');

    // Uninterrupted reference on the same input (own group, predictions topic and checkpoint directory).
    const s = settings(join(work, 'ref'));
    await writeFile(join(work, 'ref.json'), JSON.stringify({ ...s, kafka: { ...s.kafka, groupId: 'crash-ref', predictionsTopic: 'crash-ref-pred' } }));
    const ref = new StreamService(loadConfig({ argv: [`--config=${join(work, 'ref.json')}`], env: {}, cwd: process.cwd() }));
    await ref.start([broker.bootstrap]);
    await waitFor(() => ref.status.stepsTrained >= records.length, 120_000, () => JSON.stringify(ref.status));
    await ref.stop();

    const crashed = decodeSafetensors(latest!.files.get('params.safetensors')!).params;
    const diff = paramsEqual(ref.learnerParts.params, crashed);
    assert.equal(diff, undefined, diff);
    const preds = await readAll(kafka, 'crash-pred');
    const duplicates = preds.length - records.length;
    assert.ok(duplicates >= 0);
    for (const p of preds) assert.equal(p.partition, 0);
  });
});
