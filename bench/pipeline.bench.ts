/**
 * Pipeline benchmark (issue 4): end-to-end records/s through broker → decode → learner → predictions topic,
 * against the learner alone on the same steps, in the same run. Goal: ratio ≥ 0.9 (the pipeline must not
 * be the bottleneck).
 *
 *   npm run bench:pipeline [-- --quick] [-- --rounds N] [-- --only NAME-SUBSTRING] [-- --engine ts|tfjs-node|tfjs-wasm] [-- --scale N] [-- --set key=value] [-- --json out/bench-pipeline.json]
 *
 * `npm run bench:pipeline` runs node with the heap settings `npm start` and the deploy files use
 * (`--max-semi-space-size=32` and a bounded old space; a larger young generation saves the event loop about
 * 5-10 % on this workload's short-lived per-record objects).
 *
 * --set key=value passes a service setting (e.g. --set output.publishThread=off); repeatable.
 *
 * --scale N multiplies the steps per key (longer runs amortise the fixed latency of the first fetch and the
 * last acknowledgement, which the default sizes include).
 *
 * Training runs in the service's worker thread (training.thread=worker, the default); the learner alone runs
 * on this thread. Each of --rounds N (default 3) pipeline runs is compared with the faster of the learner-
 * alone runs just before and after it; the table shows the median round, every round's ratio, and the
 * share of the pipeline's wall time the worker spent training. On a machine with two cores the broker, the
 * event loop and the training worker share them; the last columns time the learner alone once more while a
 * spinning thread keeps the other core busy, which shows how much of the gap is the cores slowing each other.
 * The very last two run the same records through the service once more with a 4-unit model: the pipeline's
 * own capacity on this machine, and the highest ratio it allows.
 *
 * Records are produced before timing starts; the pipeline is timed from its first consumed record to the
 * broker's acknowledgement of the last prediction. The learner alone observes the same steps and trains
 * the same windows (same engine, scheme, K and B), with no Kafka, decoding or publishing.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { Worker } from 'node:worker_threads';
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

/**
 * Hidden size of the model in the ceiling run: the same records through the service with training too
 * cheap to matter, so its rate is what consuming, decoding, batching and publishing allow on this machine,
 * and its ratio to the learner alone the highest ratio the pipeline can reach here.
 */
const CEILING_HIDDEN = 4;

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
      ...settings(),
    ],
    env: {}, cwd: process.cwd(),
  });
}

/** Token id of key b at step t (deterministic, shared by both measurements). */
function tokenStreams(c: PipelineConfig): number[][] {
  const rng = createRng(7);
  return Array.from({ length: c.batch }, () => Array.from({ length: c.stepsPerKey + 1 }, () => rng.int(VOCAB)));
}

/** Keeps one other core busy (a spinning worker thread) until the returned function is called. */
function busyOtherCore(): () => Promise<number> {
  const w = new Worker(`
    const { parentPort } = require('node:worker_threads');
    let stop = false;
    parentPort.on('message', () => { stop = true; });
    (function spin() { const t = Date.now(); while (Date.now() - t < 20) {} if (stop) process.exit(0); else setImmediate(spin); })();
  `, { eval: true });
  return () => { w.postMessage('stop'); return new Promise((r) => w.once('exit', r)); };
}

async function learnerAlone(c: PipelineConfig, config: ServiceConfig, data: number[][], contended = false): Promise<number> {
  const release = contended ? busyOtherCore() : undefined;
  try {
    return await timeLearnerAlone(c, config, data);
  } finally {
    await release?.();
  }
}

async function timeLearnerAlone(c: PipelineConfig, config: ServiceConfig, data: number[][]): Promise<number> {
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

/** CPU seconds this process's main thread (the event loop: consume, decode, batch, publish) has used; Linux only. */
function mainThreadCpuSeconds(): number | undefined {
  try {
    // Fields after the command name: utime and stime are the 12th and 13th, in clock ticks (100 per second).
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

interface PipelineRun {
  readonly recordsPerSecond: number;
  readonly engine: string;
  /** Share of the wall time the worker spent training. */
  readonly trainingShare: number;
  /** CPU of the event loop's thread per record, µs (undefined off Linux). */
  readonly eventLoopMicrosPerRecord: number | undefined;
  /** CPU of the whole process (all threads) over the wall time, in cores. */
  readonly processCores: number;
}

async function pipeline(c: PipelineConfig, config: ServiceConfig, data: number[][], bootstrap: string): Promise<PipelineRun> {
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
  let cpuAtFirst = process.cpuUsage();
  let mainAtFirst = mainThreadCpuSeconds();
  let windows = 0;
  let streams = 0;
  let trainSeconds = 0;
  const service = new StreamService(config, {
    consumed: () => {
      if (first !== 0) return;
      first = performance.now();
      cpuAtFirst = process.cpuUsage();
      mainAtFirst = mainThreadCpuSeconds();
    },
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
  const cpu = process.cpuUsage(cpuAtFirst);
  const mainNow = mainThreadCpuSeconds();
  const eventLoopMicrosPerRecord = mainNow !== undefined && mainAtFirst !== undefined ? ((mainNow - mainAtFirst) / total) * 1e6 : undefined;
  const processCores = (cpu.user + cpu.system) / 1e6 / seconds;
  const engine = `${service.learnerParts.engine.name}`;
  await service.stop();
  process.stderr.write(`  ${windows} windows, ${(streams / windows).toFixed(1)} streams per window, training ${(100 * trainSeconds / seconds).toFixed(0)}% of the wall time; `
    + `event loop ${eventLoopMicrosPerRecord?.toFixed(1) ?? 'n/a'} µs CPU per record, process ${processCores.toFixed(2)} cores\n`);
  return { recordsPerSecond: total / seconds, engine, trainingShare: trainSeconds / seconds, eventLoopMicrosPerRecord, processCores };
}

/** Every `--set key=value` (a service setting, e.g. --set output.publishThread=off), as a config flag. */
function settings(): string[] {
  return process.argv.flatMap((a, i) => (a === '--set' && process.argv[i + 1] ? [`--${process.argv[i + 1]}`] : []));
}

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const scale = Number(arg('--scale') ?? '1');
  const rounds = Number(arg('--rounds') ?? (quick ? '1' : '3'));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds must be a positive integer');
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
      const data = tokenStreams(c);
      // Rounds of: learner alone, pipeline; then the learner alone once more. Each pipeline run's baseline is
      // the faster of the learner-alone runs just before and after it (the stricter ratio); the row reports
      // the median round.
      process.stderr.write(`${c.name}: learner alone...\n`);
      const config0 = serviceConfig(c, `bench-pipeline-${i}-0-${Date.now()}`);
      const alone = [await learnerAlone(c, config0, data)];
      const runs: PipelineRun[] = [];
      for (let round = 0; round < rounds; round++) {
        const config = serviceConfig(c, `bench-pipeline-${i}-${round}-${Date.now()}`);
        process.stderr.write(`${c.name}: pipeline through the broker (round ${round + 1} of ${rounds})...\n`);
        runs.push(await pipeline(c, config, data, broker.bootstrap));
        process.stderr.write(`${c.name}: learner alone...\n`);
        alone.push(await learnerAlone(c, config, data));
      }
      process.stderr.write(`${c.name}: learner alone with the other core busy...\n`);
      const contended = await learnerAlone(c, serviceConfig(c, `bench-pipeline-${i}-c-${Date.now()}`), data, true);
      // The pipeline's own capacity: the same records through the service with a model too small to matter.
      process.stderr.write(`${c.name}: pipeline with a ${CEILING_HIDDEN}-unit model (the pipeline's ceiling)...\n`);
      const tiny = { ...c, hidden: CEILING_HIDDEN };
      const ceiling = await pipeline(tiny, serviceConfig(tiny, `bench-pipeline-${i}-t-${Date.now()}`), data, broker.bootstrap);
      const ratios = runs.map((r, k) => ({ ...r, alone: Math.max(alone[k], alone[k + 1]), ratio: r.recordsPerSecond / Math.max(alone[k], alone[k + 1]) }));
      process.stderr.write(`  learner alone ${alone.map(Math.round).join(', ')} steps/s; ratios ${ratios.map((r) => r.ratio.toFixed(2)).join(', ')}\n`);
      const median = [...ratios].sort((a, b) => a.ratio - b.ratio)[Math.floor(ratios.length / 2)];
      rows.push({
        config: c.name, engine: median.engine, pipelineRecordsPerSecond: Math.round(median.recordsPerSecond), learnerAloneStepsPerSecond: Math.round(median.alone),
        ratio: median.ratio, trainingShare: median.trainingShare, ratios: ratios.map((r) => Number(r.ratio.toFixed(3))),
        eventLoopMicrosPerRecord: median.eventLoopMicrosPerRecord, processCores: median.processCores,
        learnerAloneContendedStepsPerSecond: Math.round(contended), ratioToContended: median.recordsPerSecond / contended,
        ceilingRecordsPerSecond: Math.round(ceiling.recordsPerSecond), ceilingRatio: ceiling.recordsPerSecond / median.alone,
      });
    }
  } finally {
    await broker.stop();
  }
  console.log(`| config | engine | pipeline records/s | learner alone steps/s | ratio (median) | ratio per round | training busy | event loop CPU µs/record | process cores | learner alone, other core busy | ratio to it | pipeline, ${CEILING_HIDDEN}-unit model | its ratio to the learner alone |`);
  console.log('|---|---|--:|--:|--:|---|--:|--:|--:|--:|--:|--:|--:|');
  for (const r of rows) {
    console.log(`| ${r.config} | ${r.engine} | ${r.pipelineRecordsPerSecond} | ${r.learnerAloneStepsPerSecond} | ${r.ratio.toFixed(2)} | ${r.ratios.map((x) => x.toFixed(2)).join(', ')} | ${(100 * r.trainingShare).toFixed(0)}% | ${r.eventLoopMicrosPerRecord?.toFixed(1) ?? 'n/a'} | ${r.processCores.toFixed(2)} | ${r.learnerAloneContendedStepsPerSecond} | ${r.ratioToContended.toFixed(2)} | ${r.ceilingRecordsPerSecond} | ${r.ceilingRatio.toFixed(2)} |`);
  }
  const json = arg('--json');
  if (json) {
    mkdirSync(dirname(json), { recursive: true });
    writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), scale, settings: settings(), cores: availableParallelism(), rows }, null, 2));
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
