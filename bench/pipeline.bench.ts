/**
 * Pipeline benchmark (issue 4): end-to-end records/s through broker → decode → learner → predictions topic,
 * against the learner alone on the same steps, in the same run. Goal: ratio ≥ 0.9 (the pipeline must not
 * be the bottleneck).
 *
 *   npm run bench:pipeline [-- --quick] [-- --only NAME-SUBSTRING] [-- --engine ts|tfjs-node|tfjs-wasm] [-- --scale N] [-- --json out/bench-pipeline.json]
 *
 * --scale N multiplies the steps per key (longer runs amortise the fixed latency of the first fetch and the
 * last acknowledgement, which the default sizes include).
 *
 * The learner alone is timed before and after the pipeline and the faster of the two is the baseline.
 *
 * Records are produced before timing starts; the pipeline is timed from its first consumed record to the
 * broker's acknowledgement of the last prediction. The learner alone observes the same steps and trains
 * the same windows (same engine, scheme, K and B), with no Kafka, decoding or publishing.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../src/config/load-config';
import type { ServiceConfig } from '../src/config/config-schema';
import { buildLearner } from '../src/service/build-learner';
import { deriveSpecs } from '../src/service/derive-specs';
import { StreamService } from '../src/service/stream-service';
import { startLocalBroker } from '../src/source/kafka/local-broker';
import { createRng } from '../src/util/rng';

interface PipelineConfig {
  readonly name: string;
  readonly hidden: number;
  readonly batch: number;
  readonly k: number;
  readonly stepsPerKey: number;
}

const VOCAB = 32;

function serviceConfig(c: PipelineConfig, topic: string): ServiceConfig {
  return loadConfig({
    argv: [
      `--kafka.inputTopics=${topic}`, `--kafka.predictionsTopic=${topic}-pred`, `--kafka.deadLetterTopic=${topic}-dlq`,
      `--kafka.groupId=${topic}-group`, '--kafka.createTopicsPartitions=4',
      '--input.values=tokens', `--model.inputSize=${VOCAB}`, '--model.head=softmax', `--model.embedSize=${c.hidden}`,
      `--model.hiddenSize=${c.hidden}`, '--training.scheme=classic', `--training.batchStreams=${c.batch}`,
      '--truncation.mode=fixed', `--truncation.k0=${c.k}`, `--truncation.kMax=${Math.max(100, c.k)}`, '--training.flushAfterMs=200',
      // output.* and the rest at their defaults: the benchmark measures the service as it ships.
      ...(arg('--engine') ? [`--training.engine=${arg('--engine')}`] : []),
    ],
    env: {}, cwd: process.cwd(),
  });
}

/** Token id of key b at step t (deterministic, shared by both measurements). */
function tokenStreams(c: PipelineConfig): number[][] {
  const rng = createRng(7);
  return Array.from({ length: c.batch }, () => Array.from({ length: c.stepsPerKey + 1 }, () => rng.int(VOCAB)));
}

async function learnerAlone(c: PipelineConfig, config: ServiceConfig, data: number[][]): Promise<number> {
  // The learner alone on this thread, as a user of the library would run it (no worker).
  const alone: ServiceConfig = { ...config, training: { ...config.training, thread: 'main' } };
  const parts = await buildLearner(alone, deriveSpecs(alone).model);
  const { learner } = parts;
  const t0 = performance.now();
  let steps = 0;
  for (let t = 0; t < c.stepsPerKey; t++) {
    for (let b = 0; b < c.batch; b++) learner.observe({ key: `k${b}`, x: data[b][t], y: data[b][t + 1] });
    if (learner.readyKeys().length >= c.batch) for (const r of learner.learn(learner.readyKeys())) steps += r.outcomes.length;
  }
  for (const r of learner.flush()) steps += r.outcomes.length;
  const seconds = (performance.now() - t0) / 1000;
  parts.engine.dispose();
  return steps / seconds;
}

async function pipeline(c: PipelineConfig, config: ServiceConfig, data: number[][], bootstrap: string): Promise<{ recordsPerSecond: number; engine: string }> {
  const kafka = new Kafka({ clientId: 'bench', brokers: [bootstrap], logLevel: logLevel.NOTHING });
  const topic = config.kafka.inputTopics[0];
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4 }, { topic: `${topic}-pred`, numPartitions: 4 }, { topic: `${topic}-dlq`, numPartitions: 1 }] });
  await admin.disconnect();
  const producer = kafka.producer();
  await producer.connect();
  for (let t = 0; t <= c.stepsPerKey; t += 50) {
    const messages = [];
    for (let u = t; u < Math.min(t + 50, c.stepsPerKey + 1); u++) {
      for (let b = 0; b < c.batch; b++) messages.push({ key: `k${b}`, value: JSON.stringify({ x: data[b][u] }) });
    }
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
  const total = c.batch * c.stepsPerKey; // steps: the first record of each key only becomes pending
  let first = 0;
  let windows = 0;
  let streams = 0;
  let trainSeconds = 0;
  const service = new StreamService(config, {
    consumed: () => { if (first === 0) first = performance.now(); },
    window: (r) => { windows++; streams += r.streams; trainSeconds += r.durationSeconds; },
  });
  await service.start([bootstrap]);
  let lastReport = performance.now();
  while (service.status.predictionsPublished < total) {
    await new Promise((r) => setTimeout(r, 2));
    if (performance.now() - lastReport > 5000) {
      lastReport = performance.now();
      const st = service.status;
      process.stderr.write(`  consumed ${st.recordsConsumed}, published ${st.predictionsPublished} of ${total}, pending ${service.learnerParts.learner.pendingSteps}${st.paused ? ', paused' : ''}\n`);
    }
  }
  const seconds = (performance.now() - first) / 1000;
  const engine = `${service.learnerParts.engine.name}`;
  await service.stop();
  process.stderr.write(`  ${windows} windows, ${(streams / windows).toFixed(1)} streams per window, training ${(100 * trainSeconds / seconds).toFixed(0)}% of the wall time\n`);
  return { recordsPerSecond: total / seconds, engine };
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const scale = Number(arg('--scale') ?? '1');
  if (!Number.isInteger(scale) || scale < 1) throw new Error('--scale must be a positive integer');
  const configs: PipelineConfig[] = [
    { name: 'stream 1x64 B=1 K=32', hidden: 64, batch: 1, k: 32, stepsPerKey: (quick ? 640 : 6400) * scale },
    { name: 'stream 1x128 B=16 K=32', hidden: 128, batch: 16, k: 32, stepsPerKey: (quick ? 128 : 1280) * scale },
  ];
  const only = arg('--only');
  const chosen = only ? configs.filter((c) => c.name.includes(only)) : configs;
  if (chosen.length === 0) throw new Error(`--only ${only}: no config named like that (${configs.map((c) => c.name).join('; ')})`);
  process.stderr.write('starting a local broker...\n');
  const broker = await startLocalBroker();
  const rows = [];
  try {
    for (const [i, c] of chosen.entries()) {
      const config = serviceConfig(c, `bench-pipeline-${i}-${Date.now()}`);
      const data = tokenStreams(c);
      // The learner alone runs before and after the pipeline; the faster run is the baseline (the stricter ratio).
      process.stderr.write(`${c.name}: learner alone...\n`);
      const before = await learnerAlone(c, config, data);
      process.stderr.write(`${c.name}: pipeline through the broker...\n`);
      const p = await pipeline(c, config, data, broker.bootstrap);
      process.stderr.write(`${c.name}: learner alone again...\n`);
      const after = await learnerAlone(c, config, data);
      process.stderr.write(`  learner alone ${Math.round(before)} and ${Math.round(after)} steps/s\n`);
      const alone = Math.max(before, after);
      rows.push({ config: c.name, engine: p.engine, pipelineRecordsPerSecond: Math.round(p.recordsPerSecond), learnerAloneStepsPerSecond: Math.round(alone), ratio: p.recordsPerSecond / alone });
    }
  } finally {
    await broker.stop();
  }
  console.log('| config | engine | pipeline records/s | learner alone steps/s | ratio |');
  console.log('|---|---|--:|--:|--:|');
  for (const r of rows) console.log(`| ${r.config} | ${r.engine} | ${r.pipelineRecordsPerSecond} | ${r.learnerAloneStepsPerSecond} | ${r.ratio.toFixed(2)} |`);
  const json = arg('--json');
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), rows }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
