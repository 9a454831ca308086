/**
 * Soak (issue 6; a command, not CI): the service at full speed on the local broker for a while, with many
 * distinct keys, checkpoints on and a cap on the keys held in memory. Half of the records come from a
 * thousand hot keys (they train all the time), half from `--keys` cold keys taken in turn (every one of them
 * is seen, most are evicted to disk and come back). Samples resident memory every 10 s and reports whether it
 * stays flat once every key has been seen, and within the budget. Run it with MALLOC_ARENA_MAX=4, as the
 * service is deployed (npm run soak does).
 *
 *   npm run soak -- [--minutes 30] [--keys 1000000] [--max-keys 100000] [--budget-mb 1500] [--out out/soak]
 *
 * Writes soak.csv (one row per sample) and soak-rss.svg, soak-rate.svg under --out.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '../src/config/load-config';
import { svgLineChart } from '../src/experiments/report/svg-line-chart';
import { StreamService } from '../src/service/stream-service';
import { startLocalBroker } from '../src/source/kafka/local-broker';
import { createRng } from '../src/util/rng';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

interface Sample {
  seconds: number; rssMb: number; heapMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number; records: number; recordsPerSecond: number; windows: number;
  keysInMemory: number; keysOnDisk: number; keysSeen: number; lag: number;
}

async function main(): Promise<void> {
  const minutes = flag('minutes', 30);
  const coldKeys = flag('keys', 1_000_000);
  const maxKeys = flag('max-keys', 100_000);
  const budgetMb = flag('budget-mb', 1500);
  const outIndex = process.argv.indexOf('--out');
  const out = outIndex >= 0 ? process.argv[outIndex + 1] : join('out', 'soak');
  mkdirSync(out, { recursive: true });
  const ckpt = join(out, 'checkpoints');
  rmSync(ckpt, { recursive: true, force: true });

  process.stderr.write(`soak: ${minutes} min, ${coldKeys} cold keys + 1000 hot, state.maxKeys ${maxKeys}, budget ${budgetMb} MB; starting the broker...\n`);
  const broker = await startLocalBroker();
  const config = loadConfig({
    argv: [
      '--kafka.inputTopics=soak-in', '--kafka.predictionsTopic=soak-pred', '--kafka.deadLetterTopic=soak-dlq', '--kafka.groupId=soak',
      '--kafka.createTopicsPartitions=4', '--input.values=tokens', '--input.target=explicit', '--model.inputSize=16', '--model.outputSize=16',
      '--model.head=softmax', '--model.hiddenSize=32', '--truncation.mode=adaptive', '--truncation.k0=8', '--truncation.kMin=2',
      '--truncation.kMax=16', '--truncation.window=32', '--truncation.tau=24', '--state.historySteps=40', `--state.maxKeys=${maxKeys}`,
      '--training.batchStreams=16', '--training.engine=ts', `--checkpoint.dir=${ckpt}`, '--checkpoint.everySeconds=30',
      '--checkpoint.everyWindows=0', '--checkpoint.instance=soak', '--output.maxBufferedRecords=20000',
    ],
    env: {}, cwd: process.cwd(),
  });
  const service = new StreamService(config, { log: (level, m) => { if (level !== 'debug' && level !== 'info') process.stderr.write(`${level}: ${m}\n`); } });
  await service.start([broker.bootstrap]);
  const kafka = new Kafka({ clientId: 'soak-producer', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();

  const rng = createRng(1);
  let produced = 0;
  let cold = 0;
  const until = Date.now() + minutes * 60_000;
  let running = true;
  const producing = (async () => {
    while (running && Date.now() < until) {
      // Keep the service busy without an unbounded backlog.
      if (produced - service.status.recordsConsumed > 40_000) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      const messages = Array.from({ length: 2000 }, (_, i) => {
        const key = i % 2 === 0 ? `hot-${rng.int(1000)}` : `cold-${cold++ % coldKeys}`;
        return { key, value: `{"x":${rng.int(16)},"y":${rng.int(16)}}` };
      });
      await producer.send({ topic: 'soak-in', messages });
      produced += messages.length;
    }
  })();

  const samples: Sample[] = [];
  const started = Date.now();
  let last = { at: started, records: 0 };
  const sample = async (): Promise<void> => {
    const now = Date.now();
    const s = service.status;
    const lag = [...(await service.lag()).values()].reduce((a, b) => a + b, 0);
    const m = process.memoryUsage();
    const row: Sample = {
      seconds: (now - started) / 1000, rssMb: m.rss / 2 ** 20, heapMb: m.heapUsed / 2 ** 20, heapTotalMb: m.heapTotal / 2 ** 20,
      externalMb: m.external / 2 ** 20, arrayBuffersMb: m.arrayBuffers / 2 ** 20, records: s.recordsConsumed,
      recordsPerSecond: ((s.recordsConsumed - last.records) * 1000) / Math.max(1, now - last.at), windows: s.windows,
      keysInMemory: s.activeKeys, keysOnDisk: s.evictedKeys, keysSeen: 1000 + Math.min(cold, coldKeys), lag,
    };
    last = { at: now, records: s.recordsConsumed };
    samples.push(row);
    process.stderr.write(`[${(row.seconds / 60).toFixed(1)}/${minutes} min] rss ${row.rssMb.toFixed(0)} MB heap ${row.heapMb.toFixed(0)}/${row.heapTotalMb.toFixed(0)} MB external ${row.externalMb.toFixed(0)} MB (array buffers ${row.arrayBuffersMb.toFixed(0)}) | ` +
      `${row.recordsPerSecond.toFixed(0)} rec/s, ${row.records} records, ${row.windows} windows | keys in memory ${row.keysInMemory}, ` +
      `on disk ${row.keysOnDisk}, seen ${row.keysSeen} | lag ${row.lag}\n`);
  };
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 10_000));
    await sample();
  }
  running = false;
  await producing;
  await producer.disconnect();
  await service.stop();
  await broker.stop();

  // Flat memory, judged once every key has been seen (until then the index of evicted keys grows by design,
  // one entry per key): the mean RSS of the second half of that steady phase against its first half, and
  // the least-squares slope over it.
  const seenAll = samples.findIndex((x) => x.keysSeen === samples[samples.length - 1].keysSeen);
  const steady = samples.slice(Math.max(0, seenAll));
  const half = Math.max(1, Math.floor(steady.length / 2));
  const mean = (xs: Sample[]) => xs.reduce((a, b) => a + b.rssMb, 0) / Math.max(1, xs.length);
  const early = mean(steady.slice(0, half));
  const late = mean(steady.slice(half));
  const slope = slopePerMinute(steady);
  const peak = Math.max(...samples.map((x) => x.rssMb));
  const total = samples[samples.length - 1];
  const header = Object.keys(samples[0]) as Array<keyof Sample>;
  writeFileSync(join(out, 'soak.csv'), [header.join(','), ...samples.map((s) => header.map((h) => s[h]).join(','))].join('\n') + '\n');
  writeFileSync(join(out, 'soak-rss.svg'), svgLineChart({
    title: 'Soak: resident memory', xLabel: 'minutes', yLabel: 'MB',
    series: [{ name: 'RSS', points: samples.map((s) => [s.seconds / 60, s.rssMb]) }, { name: 'JS heap', points: samples.map((s) => [s.seconds / 60, s.heapMb]) }],
  }));
  writeFileSync(join(out, 'soak-rate.svg'), svgLineChart({
    title: 'Soak: throughput', xLabel: 'minutes', yLabel: 'records/s',
    series: [{ name: 'records/s', points: samples.map((s) => [s.seconds / 60, s.recordsPerSecond]) }],
  }));
  const flat = late <= early * 1.05 + 20;
  const within = peak <= budgetMb;
  process.stdout.write(
    `soak: ${minutes} min, ${total.records} records (${(total.records / total.seconds).toFixed(0)}/s), ${total.windows} windows, ` +
    `${total.keysSeen} distinct keys (${total.keysInMemory} in memory, ${total.keysOnDisk} on disk at the end)\n` +
    `RSS once every key was seen (from ${((steady[0]?.seconds ?? 0) / 60).toFixed(1)} min): first half mean ${early.toFixed(0)} MB, ` +
    `second half mean ${late.toFixed(0)} MB, slope ${slope.toFixed(1)} MB/min (${flat ? 'flat' : 'GROWING'}), ` +
    `peak ${peak.toFixed(0)} MB (budget ${budgetMb} MB: ${within ? 'within' : 'EXCEEDED'})\n` +
    `files: ${join(out, 'soak.csv')}, soak-rss.svg, soak-rate.svg\n`,
  );
  process.exitCode = flat && within ? 0 : 1;
}

/** Least-squares slope of RSS against time, in MB per minute. */
function slopePerMinute(xs: readonly Sample[]): number {
  if (xs.length < 2) return 0;
  const mx = xs.reduce((a, b) => a + b.seconds / 60, 0) / xs.length;
  const my = xs.reduce((a, b) => a + b.rssMb, 0) / xs.length;
  let num = 0;
  let den = 0;
  for (const x of xs) {
    num += (x.seconds / 60 - mx) * (x.rssMb - my);
    den += (x.seconds / 60 - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

main().catch((e) => {
  process.stderr.write(`soak failed: ${(e as Error).stack ?? e}\n`);
  process.exitCode = 1;
});
