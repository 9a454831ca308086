import { EXIT_BAD_INPUT, type Command, type CommandIO } from '../command';
import { ConfigError } from '../../errors';
import { loadConfig } from '../../config/load-config';
import type { ServiceConfig } from '../../config/config-schema';
import { StreamService } from '../../service/stream-service';
import { startLocalBroker, type LocalBroker } from '../../source/kafka/local-broker';
import { formatProgress } from '../../service/format-progress';
import { combineEvents, metricCatalogOptions, metricsEvents, recordLag } from '../../service/service-metrics';
import { createMetricCatalog } from '../../telemetry/metric-catalog';
import { createRegistry } from '../../telemetry/create-registry';
import { TelemetryServer } from '../../telemetry/http-server';

const USAGE = `usage: tbptt-stream run [--config PATH] [--section.key=value ...]

Runs the streaming service: consumes kafka.inputTopics, trains online with adaptive truncated BPTT and
publishes predictions to kafka.predictionsTopic (invalid records to kafka.deadLetterTopic). With
kafka.brokers = embedded (the default) it first starts a local single-node Kafka broker.
SIGINT / SIGTERM stop it gracefully (train what is ready, publish, commit offsets).
`;

/** A signal arrived while the service was still connecting. */
class StoppedBeforeStart extends Error {}

/** Starts the service with a loaded configuration; resolves with the exit code when it stops. */
export async function runService(config: ServiceConfig, io: CommandIO, options: { signal?: AbortSignal; progressEveryMs?: number } = {}): Promise<number> {
  const log = (level: string, message: string): void => {
    if (level === 'debug' && config.logLevel !== 'debug') return;
    io.stderr.write(`${new Date().toISOString()} ${level.padEnd(5)} ${message}\n`);
  };
  let broker: LocalBroker | undefined;
  let brokers = config.kafka.brokers;
  if (brokers.length === 1 && brokers[0] === 'embedded') {
    log('info', 'starting the embedded Kafka broker (first run fetches its jars with Maven)...');
    broker = await startLocalBroker({ log: (line) => log('info', line) });
    brokers = [broker.bootstrap];
    log('info', `embedded broker at ${broker.bootstrap}`);
  }
  let failed: Error | undefined;
  let wake: () => void = () => undefined;
  const stopped = new Promise<void>((resolve) => { wake = resolve; });
  // Metrics: one registry and catalog, served with the health endpoints.
  const registry = createRegistry();
  const metrics = createMetricCatalog(registry, metricCatalogOptions(config, () => service?.ready ?? false));
  const telemetry = new TelemetryServer({
    registry, host: config.metrics.host, port: config.metrics.port,
    isAlive: () => failed === undefined,
    isReady: () => (service?.ready ? { ready: true } : { ready: false, reason: failed ? `failed: ${failed.message}` : 'not connected or no partitions assigned yet' }),
  });
  const service: StreamService = new StreamService(config, combineEvents(
    { log, fatal: (e) => { failed = e; wake(); } },
    metricsEvents(metrics, () => service),
  ));
  options.signal?.addEventListener('abort', () => wake(), { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await telemetry.start();
    const shownHost = config.metrics.host === '0.0.0.0' ? '127.0.0.1' : config.metrics.host;
    log('info', `metrics: http://${shownHost}:${port}/metrics (health: /healthz, readiness: /readyz)`);
    // A broker down at start is waited for (readyz stays false); a signal meanwhile stops the wait.
    const started = service.start(brokers).then(() => 'started' as const);
    if ((await Promise.race([started, stopped.then(() => 'stopped' as const)])) === 'stopped') {
      started.catch(() => undefined);
      throw new StoppedBeforeStart();
    }
    metrics.setEngine(service.learnerParts.engine.name, service.learnerParts.engine.backend);
    metrics.truncationLength.set(service.learnerParts.learner.k);
    log('info', `consuming ${config.kafka.inputTopics.join(', ')} → predictions on ${config.kafka.predictionsTopic}`);
    let last = { at: Date.now(), records: 0, windows: 0 };
    let lagSeries = new Set<string>();
    timer = setInterval(() => {
      void service!.lag().then((lag) => {
        const now = Date.now();
        lagSeries = recordLag(metrics, lag, lagSeries);
        io.stderr.write(formatProgress(service!.status, lag, last, now) + '\n');
        last = { at: now, records: service!.status.recordsConsumed, windows: service!.status.windows };
      }).catch(() => undefined);
    }, options.progressEveryMs ?? 5000);
    await stopped;
    log('info', failed ? `stopping after a fatal error: ${failed.message}` : 'stopping: training what is ready, publishing, committing offsets...');
  } catch (e) {
    if (!(e instanceof StoppedBeforeStart)) {
      failed = e as Error;
      log('error', `could not start: ${failed.message}`);
    }
  } finally {
    if (timer) clearInterval(timer);
    telemetry.markShuttingDown();
    await service.stop().catch((e) => log('warn', `stop: ${(e as Error).message}`));
    await telemetry.stop().catch(() => undefined);
    if (broker) await broker.stop();
  }
  log('info', 'stopped');
  return failed ? 1 : 0;
}

export const runCommand: Command = {
  name: 'run',
  summary: 'run the streaming service (Kafka → online TBPTT learner → predictions)',
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    if (args.includes('--help') || args.includes('-h')) {
      io.stdout.write(USAGE);
      return 0;
    }
    let config: ServiceConfig;
    try {
      config = loadConfig({ argv: args, env: process.env, cwd: process.cwd() });
    } catch (e) {
      if (e instanceof ConfigError) {
        io.stderr.write(`${e.message}\n`);
        return EXIT_BAD_INPUT;
      }
      throw e;
    }
    const controller = new AbortController();
    const onSignal = (): void => controller.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      return await runService(config, io, { signal: controller.signal });
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  },
};
