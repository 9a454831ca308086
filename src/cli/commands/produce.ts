import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import { ConfigError } from '../../errors';
import { loadConfig } from '../../config/load-config';
import { systemClock } from '../../demo/clock';
import { loadDemoDataset, DATASET_SERVICE_FLAGS, type DemoDataset } from '../../demo/datasets/demo-dataset';
import { interleaveStreams } from '../../demo/datasets/interleave-streams';
import { formatProduceProgress } from '../../demo/format-produce-progress';
import { parseProduceArgs, type ProduceArgs } from '../../demo/produce-args';
import { produceMessages } from '../../demo/produce-messages';
import { producerKafkaLog } from '../../demo/producer-kafka-log';
import { createKafkaClient } from '../../source/kafka/kafka-client';
import { ensureTopics } from '../../source/kafka/ensure-topics';
import { KafkaProducerSink } from '../../source/kafka/kafka-producer-sink';
import { isLocalBrokerError, startLocalBroker, type LocalBroker } from '../../source/kafka/local-broker';

const USAGE = `usage: tbptt-stream produce --dataset copy|text|nab|FILE [--topic T] [--brokers host:port[,...]|embedded]
                            [--rate N | --max-rate] [--keys N] [--limit N] [--loop]

Writes a dataset into a Kafka topic in the record format the service decodes, keyed by sequence, so that
\`tbptt-stream run\` with the matching settings trains on it. Progress goes to stderr every 5 s; Ctrl-C
stops cleanly (the batch in flight is acknowledged first).

  --dataset   copy   the copy task (method.md §4), endless generator: {"x": token, "y": target} per step,
                     tokens 0 blank, 1 start, 2..5 payload, segment length m uniform in [5, 10];
                     keys copy-0..copy-15 (--keys), 4000 steps per key per pass. Run the service with
                       ${DATASET_SERVICE_FLAGS.copy.join(' ')}
                     (explicit targets: the target is the copy, not the next token).
              text   the first 30 KB of Tiny Shakespeare (public domain, shipped in assets/text): one line per
                     message ("\\n" included), cut into 4 contiguous parts keyed text-0..text-3 (--keys).
                     Next-character prediction over the default alphabet ("\\n" + printable ASCII):
                       ${DATASET_SERVICE_FLAGS.text.join(' ')}
              nab    four real series of the Numenta Anomaly Benchmark (MIT, shipped in assets/nab with their
                     anomaly windows): {"x": v} per step in timestamp order, keyed by series name, v the value
                     normalised by the series' robust scale, (value − median) / (1.4826·MAD), clipped to ±10.
                     The service's defaults fit it (json, dense, next-step, inputSize 1, mse head). With
                     --keys N > 4 the series are repeated from shifted positions (keys name~r1, ...).
              FILE   each non-empty line of the file as one message (CSV lines of numbers or JSON records),
                     the file cut into --keys contiguous parts (default 1) keyed <file name>-0... Set the
                     service's input.format (csv or json) and model.inputSize to the number of x values.
  --topic     default: the configuration's first kafka.inputTopics (tbptt-input); created with
              kafka.createTopicsPartitions partitions if missing.
  --brokers   default: the configuration's kafka.brokers (env TBPTT_KAFKA_BROKERS, --config files via env).
              embedded starts a local broker, produces, and keeps the broker up until Ctrl-C.
  --rate N    records per second (token bucket, bursts of N/10); --max-rate (the default): as fast as the
              broker acknowledges.
  --limit N   stop after N records.   --loop   start each key's sequence again when it ends (runs until Ctrl-C).
`;

/** Loads the dataset, connects and produces until the data, the limit or the signal ends it. */
async function produce(parsed: ProduceArgs, dataset: DemoDataset, io: CommandIO, signal: AbortSignal): Promise<number> {
  const log = (message: string): void => void io.stderr.write(`${new Date().toISOString()} ${message}\n`);
  let config;
  try {
    config = loadConfig({ argv: [], env: process.env, cwd: process.cwd() });
  } catch (e) {
    if (e instanceof ConfigError) { io.stderr.write(`${e.message}\n`); return EXIT_BAD_INPUT; }
    throw e;
  }
  const topic = parsed.topic ?? config.kafka.inputTopics[0];
  let brokers = parsed.brokers ?? config.kafka.brokers;
  let broker: LocalBroker | undefined;
  try {
    if (brokers.length === 1 && brokers[0] === 'embedded') {
      log('starting the embedded Kafka broker (first run fetches its jars with Maven)...');
      broker = await startLocalBroker({ log });
      brokers = [broker.bootstrap];
      log(`embedded broker at ${broker.bootstrap} (java pid ${broker.pid})`);
    }
    const kafka = createKafkaClient({ brokers, clientId: 'tbptt-stream-produce', log: producerKafkaLog(log) });
    if (config.kafka.createTopicsPartitions > 0) {
      const created = await ensureTopics(kafka, [topic], config.kafka.createTopicsPartitions);
      if (created.length > 0) log(`created topic ${topic} (${config.kafka.createTopicsPartitions} partitions)`);
    }
    const sink = new KafkaProducerSink(kafka);
    await sink.connect();
    const rate = parsed.maxRate ? undefined : parsed.rate;
    log(`producing ${dataset.name} (${dataset.streams.length} keys) to ${topic} on ${brokers.join(',')} ${rate === undefined ? 'as fast as possible' : `at ${rate} records/s`}${parsed.loop ? ', looping' : ''}`);
    let total = 0;
    let previous = { at: Date.now(), total: 0 };
    const timer = setInterval(() => {
      const now = Date.now();
      io.stderr.write(formatProduceProgress(topic, total, previous, now) + '\n');
      previous = { at: now, total };
    }, 5000);
    try {
      total = await produceMessages(interleaveStreams(dataset.streams, parsed.loop), sink, {
        topic, ...(rate === undefined ? {} : { ratePerSecond: rate }), ...(parsed.limit === undefined ? {} : { limit: parsed.limit }),
        clock: systemClock, signal, onSent: (n) => { total = n; },
      });
    } finally {
      clearInterval(timer);
      await sink.disconnect().catch(() => undefined);
    }
    log(`sent ${total} records to ${topic}${signal.aborted ? ' (stopped)' : ''}`);
    if (broker && !signal.aborted) {
      log(`the embedded broker stays up at ${broker.bootstrap} until Ctrl-C; run the service with --kafka.brokers=${broker.bootstrap} ${dataset.serviceFlags.join(' ')}`);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    }
    return 0;
  } catch (e) {
    if (isLocalBrokerError(e)) { io.stderr.write(`cannot start the embedded Kafka broker: ${e.message}\n`); return 1; }
    log(`error: ${(e as Error).message}`);
    return 1;
  } finally {
    if (broker) {
      await broker.stop();
      log('embedded broker stopped');
    }
  }
}

export const produceCommand: Command = {
  name: 'produce',
  summary: 'write a dataset (copy task, text sample, NAB series or a file) into a Kafka topic',
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    let parsed: ProduceArgs;
    let dataset: DemoDataset;
    try {
      parsed = parseProduceArgs(args);
      if (parsed.help) { io.stdout.write(USAGE); return 0; }
      if (parsed.rest.length > 0) throw new Error(`unexpected argument ${JSON.stringify(parsed.rest[0])}`);
      if (parsed.dataset === undefined) throw new Error('--dataset is required (copy, text, nab or a file path)');
      dataset = loadDemoDataset(parsed.dataset, parsed.keys === undefined ? {} : { keys: parsed.keys });
    } catch (e) {
      io.stderr.write(`${(e as Error).message}\n\n${USAGE}`);
      return EXIT_BAD_INPUT;
    }
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await produce(parsed, dataset, io, controller.signal);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
