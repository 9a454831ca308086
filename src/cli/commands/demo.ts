import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import { ConfigError } from '../../errors';
import { loadConfig } from '../../config/load-config';
import type { ServiceConfig } from '../../config/config-schema';
import { systemClock } from '../../demo/clock';
import { loadDemoDataset, type DemoDataset } from '../../demo/datasets/demo-dataset';
import { interleaveStreams } from '../../demo/datasets/interleave-streams';
import { parseProduceArgs, type ProduceArgs } from '../../demo/produce-args';
import { produceMessages } from '../../demo/produce-messages';
import { producerKafkaLog } from '../../demo/producer-kafka-log';
import { createKafkaClient } from '../../source/kafka/kafka-client';
import { ensureTopics } from '../../source/kafka/ensure-topics';
import { KafkaProducerSink } from '../../source/kafka/kafka-producer-sink';
import { isLocalBrokerError, startLocalBroker, type LocalBroker } from '../../source/kafka/local-broker';
import { runService } from './run';

const USAGE = `usage: tbptt-stream demo [--dataset nab|copy|text|FILE] [--rate N | --max-rate] [--keys N]
                         [--progress-seconds S] [--config PATH] [--section.key=value ...]

The whole product on one machine (this is \`npm start\`): starts the embedded Kafka broker (Java 17+),
creates the topics, produces a dataset into kafka.inputTopics in the background (default: the NAB series
at 200 records/s, looping, one key per series; text at 5 lines/s, about 200 characters/s), and runs the service on it with the default configuration
plus the dataset's settings (see \`tbptt-stream produce --help\`), training.batchStreams = min(keys, 16),
and any configuration flags given here (which take precedence).
A progress line every 5 s (--progress-seconds) shows records/s, windows/s, loss, K, δ̂ and consumer lag.
Ctrl-C stops the producer, the service (offsets committed) and the broker.
`;

/**
 * Configuration flags: the dataset's settings and a batch of at most as many streams as the demo has keys
 * (otherwise every window waits training.flushAfterMs for keys that do not exist, which caps the windows
 * per second below the demo's rate once K is small), except keys the user sets too; then the user's flags.
 */
export function demoConfigArgs(dataset: DemoDataset, userArgs: readonly string[]): string[] {
  const userKeys = new Set(userArgs.filter((a) => a.startsWith('--')).map((a) => a.split('=')[0]));
  // Checkpoints on (a fresh folder per run: the embedded broker's topics are new each time), so the dashboards'
  // checkpoint panels have data.
  const demoFlags = [...dataset.serviceFlags, `--training.batchStreams=${Math.min(dataset.streams.length, 16)}`,
    `--checkpoint.dir=${join(tmpdir(), `tbptt-stream-demo-${process.pid}`)}`, '--checkpoint.everySeconds=15'];
  return [...demoFlags.filter((f) => !userKeys.has(f.split('=')[0])), ...userArgs];
}

async function demo(parsed: ProduceArgs, dataset: DemoDataset, config: ServiceConfig, progressMs: number, io: CommandIO, signal: AbortSignal): Promise<number> {
  const log = (message: string): void => void io.stderr.write(`${new Date().toISOString()} info  ${message}\n`);
  const producerStop = new AbortController();
  const stopProducer = (): void => producerStop.abort();
  signal.addEventListener('abort', stopProducer, { once: true });
  let broker: LocalBroker | undefined;
  let sink: KafkaProducerSink | undefined;
  let producing: Promise<number> = Promise.resolve(0);
  let sent = 0;
  try {
    let brokers = parsed.brokers ?? config.kafka.brokers;
    if (brokers.length === 1 && brokers[0] === 'embedded') {
      log('starting the embedded Kafka broker (first run fetches its jars with Maven)...');
      try {
        broker = await startLocalBroker({ log });
      } catch (e) {
        if (!isLocalBrokerError(e)) throw e;
        io.stderr.write(`cannot start the embedded Kafka broker (${e.code}): ${e.message}\n`);
        if (!e.message.includes(e.hint)) io.stderr.write(`${e.hint}\n`);
        return 1;
      }
      brokers = [broker.bootstrap];
      log(`embedded broker at ${broker.bootstrap} (java pid ${broker.pid})`);
    }
    if (signal.aborted) return 0;
    const topic = parsed.topic ?? config.kafka.inputTopics[0];
    const kafka = createKafkaClient({ brokers, clientId: 'tbptt-stream-demo-producer', log: producerKafkaLog(log) });
    const partitions = config.kafka.createTopicsPartitions > 0 ? config.kafka.createTopicsPartitions : 4;
    const created = await ensureTopics(kafka, [...new Set([topic, ...config.kafka.inputTopics, config.kafka.predictionsTopic, config.kafka.deadLetterTopic])], partitions);
    if (created.length > 0) log(`created topics ${created.join(', ')} (${partitions} partitions each)`);
    sink = new KafkaProducerSink(kafka);
    await sink.connect();
    const rate = parsed.maxRate ? undefined : parsed.rate ?? dataset.demoRate;
    log(`producing ${dataset.name} (${dataset.streams.length} keys) to ${topic} ${rate === undefined ? 'as fast as possible' : `at ${rate} records/s`}${parsed.limit === undefined ? ', looping' : `, ${parsed.limit} records`}`);
    const producerSink = sink;
    producing = produceMessages(interleaveStreams(dataset.streams, true), producerSink, {
      topic, ...(rate === undefined ? {} : { ratePerSecond: rate }), ...(parsed.limit === undefined ? {} : { limit: parsed.limit }),
      clock: systemClock, signal: producerStop.signal, onSent: (n) => { sent = n; },
    }).catch((e: Error) => {
      if (!producerStop.signal.aborted) log(`producer stopped: ${e.message}`);
      return sent;
    });
    log(`metrics: http://127.0.0.1:${config.metrics.port === 0 ? '<port>' : config.metrics.port}/metrics`);
    const serviceConfig: ServiceConfig = { ...config, kafka: { ...config.kafka, brokers } };
    return await runService(serviceConfig, io, { signal, progressEveryMs: progressMs });
  } finally {
    stopProducer();
    signal.removeEventListener('abort', stopProducer);
    await producing;
    if (sink) {
      await sink.disconnect().catch(() => undefined);
      log(`producer stopped after ${sent} records`);
    }
    if (broker) {
      await broker.stop();
      log('embedded broker stopped');
    }
  }
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'the whole product locally: embedded broker, a demo stream, and the service training on it',
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    let parsed: ProduceArgs;
    let dataset: DemoDataset;
    let config: ServiceConfig;
    let progressMs = 5000;
    try {
      const own: string[] = [];
      for (let i = 0; i < args.length; i++) {
        const [flag, value] = args[i].split('=', 2);
        if (flag !== '--progress-seconds') { own.push(args[i]); continue; }
        const seconds = Number(value ?? args[++i]);
        if (!(seconds > 0)) throw new Error('--progress-seconds must be a positive number');
        progressMs = seconds * 1000;
      }
      parsed = parseProduceArgs(own);
      if (parsed.help) { io.stdout.write(USAGE); return 0; }
      if (parsed.loop) throw new Error('the demo always loops; --loop is for produce');
      dataset = loadDemoDataset(parsed.dataset ?? 'nab', parsed.keys === undefined ? {} : { keys: parsed.keys });
      config = loadConfig({ argv: demoConfigArgs(dataset, parsed.rest), env: process.env, cwd: process.cwd() });
    } catch (e) {
      io.stderr.write(e instanceof ConfigError ? `${e.message}\n` : `${(e as Error).message}\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    try {
      return await demo(parsed, dataset, config, progressMs, io, controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
