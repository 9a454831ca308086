// The local Apache Kafka broker (src/source/kafka/local-broker.ts, scripts/kafka/kafka.js) against itself:
// topics, produce/consume, data surviving a restart, clean stop; the npm script's start/status/stop.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { isLocalBrokerError, startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { repoRoot } from '../support/repo-paths';

const TOPIC = 'broker-check';
const PARTITIONS = 3;
const PER_PARTITION = 4;

function client(bootstrap: string): Kafka {
  return new Kafka({ clientId: 'kafka-broker-test', brokers: [bootstrap], logLevel: logLevel.NOTHING });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/\) Z /.test(stat);
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

/** Reads `count` records of TOPIC from the beginning in consumer group `groupId`, committing what it read. */
async function consume(kafka: Kafka, groupId: string, count: number): Promise<Map<number, string[]>> {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const byPartition = new Map<number, string[]>();
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`consumed ${seen} of ${count} records in 60 s`)), 60_000);
      consumer.run({
        eachMessage: async ({ partition, message }) => {
          const values = byPartition.get(partition) ?? [];
          values.push(String(message.value));
          byPartition.set(partition, values);
          if (++seen === count) { clearTimeout(timer); resolve(); }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect(); // commits the resolved offsets
  }
  return byPartition;
}

const expected = new Map<number, string[]>(
  Array.from({ length: PARTITIONS }, (_, p) => [p, Array.from({ length: PER_PARTITION }, (_, i) => `p${p}-m${i}`)]),
);

describe('local Kafka broker (in-process helper)', { timeout: 300_000 }, () => {
  let broker: LocalBroker;

  before(async () => {
    broker = await startLocalBroker();
  });
  after(async () => {
    await broker?.stop();
  });

  it('answers metadata on 127.0.0.1 at the port it reports', async (t) => {
    t.diagnostic(`Kafka ${broker.version} started in ${broker.lastStartSeconds.toFixed(1)} s at ${broker.bootstrap}`);
    assert.match(broker.bootstrap, /^127\.0\.0\.1:\d+$/);
    const admin = client(broker.bootstrap).admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      assert.deepEqual(cluster.brokers.map((b) => `${b.host}:${b.port}`), [broker.bootstrap]);
    } finally {
      await admin.disconnect();
    }
  });

  it('creates a 3-partition topic, and a consumer group reads back every record in per-partition order', async () => {
    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }], waitForLeaders: true });
      const metadata = await admin.fetchTopicMetadata({ topics: [TOPIC] });
      assert.equal(metadata.topics[0]?.partitions.length, PARTITIONS);
    } finally {
      await admin.disconnect();
    }
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < PER_PARTITION; i++) {
        await producer.send({
          topic: TOPIC, acks: -1,
          messages: [...expected.keys()].map((p) => ({ partition: p, key: `k${p}`, value: `p${p}-m${i}` })),
        });
      }
    } finally {
      await producer.disconnect();
    }
    assert.deepEqual(await consume(kafka, 'group-before-restart', PARTITIONS * PER_PARTITION), expected);
  });

  it('keeps records and committed offsets across a restart on the same port', async (t) => {
    const { bootstrap, pid: before } = broker;
    await broker.restart();
    t.diagnostic(`restarted in ${broker.lastStartSeconds.toFixed(1)} s`);
    assert.equal(broker.bootstrap, bootstrap);
    assert.notEqual(broker.pid, before);
    assert.equal(alive(before as number), false, 'the old broker process is gone');

    const kafka = client(broker.bootstrap);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const ends = await admin.fetchTopicOffsets(TOPIC);
      assert.deepEqual(ends.map((o) => [o.partition, o.high]).sort(), [...expected.keys()].map((p) => [p, String(PER_PARTITION)]));
      // Right after a restart the group coordinator may still be loading its log (a retriable error, like
      // any client sees): retry that for a while, as kafkajs's consumer does.
      const fetchCommitted = async () => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await admin.fetchOffsets({ groupId: 'group-before-restart', topics: [TOPIC] });
          } catch (e) {
            if (!(e as { retriable?: boolean }).retriable || attempt >= 60) throw e;
            await new Promise((r) => setTimeout(r, 500));
          }
        }
      };
      const [committed] = await fetchCommitted();
      assert.deepEqual(committed?.partitions.map((o) => [o.partition, o.offset]).sort(),
        [...expected.keys()].map((p) => [p, String(PER_PARTITION)]));
    } finally {
      await admin.disconnect();
    }
    assert.deepEqual(await consume(kafka, 'group-after-restart', PARTITIONS * PER_PARTITION), expected);
  });

  it('stops: the process is gone, the port is closed, the temporary data is removed', async () => {
    const { pid, port, dataDir } = broker;
    assert.ok(pid !== undefined && alive(pid));
    assert.equal(await broker.stop(), 'terminated');
    assert.equal(alive(pid), false);
    assert.equal(broker.isRunning(), false);
    assert.equal(await portAccepts(port), false);
    assert.equal(existsSync(dataDir), false);
  });
});

describe('npm run kafka:start / kafka:stop (scripts/kafka/kafka.js)', { timeout: 300_000 }, () => {
  const script = join(repoRoot(), 'scripts', 'kafka', 'kafka.js');
  const runDir = mkdtempSync(join(tmpdir(), 'tbptt-kafka-run-'));
  const env = { ...process.env, TBPTT_KAFKA_RUN_DIR: runDir };
  const kafkaJs = (...args: string[]) => spawnSync(process.execPath, [script, ...args], { env, encoding: 'utf8' });

  after(() => {
    kafkaJs('stop');
    rmSync(runDir, { recursive: true, force: true });
  });

  it('start prints the bootstrap address, status finds the broker, stop ends it and removes its data', async () => {
    const started = kafkaJs('start');
    assert.equal(started.status, 0, started.stderr);
    const bootstrap = started.stdout.trim();
    assert.match(bootstrap, /^127\.0\.0\.1:\d+$/);
    const state = JSON.parse(readFileSync(join(runDir, 'broker.json'), 'utf8'));
    assert.equal(state.bootstrap, bootstrap);
    assert.ok(alive(state.pid));

    const admin = client(bootstrap).admin();
    await admin.connect();
    await admin.listTopics();
    await admin.disconnect();

    const status = kafkaJs('status');
    assert.equal(status.status, 0);
    assert.equal(status.stdout.trim(), bootstrap);
    const again = kafkaJs('start');
    assert.equal(again.stdout.trim(), bootstrap, 'a second start reuses the running broker');

    const stopped = kafkaJs('stop');
    assert.equal(stopped.status, 0, stopped.stderr);
    assert.equal(alive(state.pid), false);
    assert.equal(existsSync(state.dataDir), false);
    assert.equal(kafkaJs('status').status, 3);
  });
});

describe('local Kafka broker without Java', () => {
  it('says what to install', async () => {
    const saved = process.env.JAVA_HOME;
    process.env.JAVA_HOME = join(tmpdir(), 'no-such-java-home');
    try {
      await assert.rejects(startLocalBroker(), (err: unknown) => {
        assert.ok(isLocalBrokerError(err));
        assert.equal(err.code, 'JAVA_MISSING');
        assert.match(err.message, /apt-get install openjdk-17-jre-headless/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.JAVA_HOME; else process.env.JAVA_HOME = saved;
    }
  });
});
