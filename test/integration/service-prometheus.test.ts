// A real Prometheus scrapes the real service (`tbptt-stream run`'s runService, in process) while it trains on
// a real broker with checkpoints on and some invalid input: every PromQL expression of every dashboard panel,
// dashboard variable and alert rule returns at least one series, and every alert rule evaluates cleanly.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runService } from '../../src/cli/commands/run';
import { loadConfig } from '../../src/config/load-config';
import { startLocalBroker, type LocalBroker } from '../../src/source/kafka/local-broker';
import { substituteGrafanaVariables } from '../telemetry/promql';
import { hostileFreeRecords } from './support/checkpoint-runs';
import { testKafka, waitFor } from './support/kafka-io';
import { ALERTS_FILE, shippedQueries } from './support/observability-queries';
import { PrometheusServer, prometheusAvailable } from './support/prometheus';

const skip = prometheusAvailable() ? false : 'prometheus is not installed (scripts/setup/20-debian.sh installs it)';

describe('dashboards and alerts against Prometheus scraping the running service', { skip, timeout: 240_000 }, () => {
  let broker: LocalBroker;
  let work: string;
  let prometheus: PrometheusServer | undefined;
  const abort = new AbortController();
  let exit: Promise<number> | undefined;
  let producing = true;
  let producer: Promise<void> | undefined;

  before(async () => {
    broker = await startLocalBroker();
    work = await mkdtemp(join(tmpdir(), 'tbptt-prom-'));
  });
  after(async () => {
    producing = false;
    await producer;
    abort.abort();
    await exit;
    await prometheus?.stop();
    await broker?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('every dashboard and alert expression returns at least one series from the live service', async () => {
    const config = loadConfig({
      argv: [
        '--kafka.inputTopics=prom-in', '--kafka.predictionsTopic=prom-pred', '--kafka.deadLetterTopic=prom-dlq', '--kafka.groupId=prom-group',
        '--kafka.createTopicsPartitions=2', '--kafka.sessionTimeoutMs=10000', '--kafka.heartbeatIntervalMs=1000',
        '--input.values=tokens', '--input.target=explicit', '--model.inputSize=5', '--model.outputSize=5', '--model.head=softmax', '--model.hiddenSize=12',
        '--truncation.mode=adaptive', '--truncation.k0=4', '--truncation.kMin=2', '--truncation.kMax=8', '--truncation.window=16', '--truncation.tau=8',
        '--truncation.everyWindows=5', '--truncation.diagnosticStreams=3', '--state.historySteps=32', '--training.batchStreams=2', '--training.engine=ts',
        `--checkpoint.dir=${join(work, 'ckpt')}`, '--checkpoint.everyWindows=20', '--checkpoint.everySeconds=2', '--checkpoint.instance=prom',
        '--metrics.port=0', '--metrics.host=127.0.0.1',
      ],
      env: {}, cwd: process.cwd(),
    });
    const stderr = new PassThrough();
    let log = '';
    stderr.on('data', (d: Buffer) => { log += d.toString(); });
    exit = runService({ ...config, kafka: { ...config.kafka, brokers: [broker.bootstrap] } },
      { stdin: new PassThrough(), stdout: new PassThrough(), stderr }, { signal: abort.signal, progressEveryMs: 1000 });
    await waitFor(() => /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.test(log) && log.includes('partitions assigned'), 60_000, () => log);
    const port = /metrics: http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(log)![1];

    // A steady stream of valid records with a few invalid ones (dead letters).
    const kafka = testKafka(broker.bootstrap);
    const records = hostileFreeRecords(8, 100_000, 5, 3);
    producer = (async () => {
      const p = kafka.producer();
      await p.connect();
      for (let i = 0; producing; i += 40) {
        await p.send({ topic: 'prom-in', messages: [...records.slice(i, i + 40), { key: 'bad', value: 'not json' }, { key: null, value: '{"x":1,"y":2}' }] });
        await new Promise((r) => setTimeout(r, 100));
      }
      await p.disconnect();
    })();

    prometheus = await PrometheusServer.start({ targets: [`127.0.0.1:${port}`], ruleFiles: [ALERTS_FILE] });
    await waitFor(async () => {
      const needs = ['tbptt_relative_bias_estimate', 'tbptt_gradient_norm_by_lag', 'tbptt_consumer_lag', 'tbptt_checkpoints_total > 0', 'tbptt_dead_letters_total > 0'];
      for (const q of needs) if ((await prometheus!.query(q)).length === 0) return false;
      return true;
    }, 90_000, () => `the service has not yet exported diagnostics, lag, checkpoints and dead letters:\n${log.slice(-3000)}`);
    await prometheus.waitForScrapes(5);

    const empty: string[] = [];
    for (const q of shippedQueries('1m')) {
      if (q.originalIsPromql) await prometheus.query(substituteGrafanaVariables(q.original, '1m'));
      if ((await prometheus.query(q.expr)).length === 0) empty.push(`${q.where}: ${q.expr}`);
    }
    assert.deepEqual(empty, [], 'expressions without a series');
    const rules = await prometheus.rules();
    assert.ok(rules.length >= 5, `${rules.length} rules`);
    for (const r of rules) assert.notEqual(r.health, 'err', `${r.name}: ${r.lastError ?? ''}`);
    const ready = await prometheus.query('tbptt_ready');
    assert.equal(ready[0]?.value[1], '1', 'the service reports ready');

    producing = false;
    await producer;
    abort.abort();
    assert.equal(await exit, 0, log.slice(-2000));
  });
});
