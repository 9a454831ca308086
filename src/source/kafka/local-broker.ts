/**
 * A real single-node Apache Kafka broker on 127.0.0.1 for the integration tests and the demo.
 *
 * The implementation is the plain-JavaScript tooling in scripts/kafka/lib/ (so that `npm run kafka:start`
 * and the setup scripts need no build); this module loads it in-process and gives it types. It runs the
 * official Kafka jars (fetched once with Maven into .cache/kafka/<version>/libs) with the machine's Java 17+.
 *
 * ```ts
 * const broker = await startLocalBroker();          // a temporary data folder, free ports
 * const kafka = new Kafka({ brokers: [broker.bootstrap] });
 * await broker.restart();                           // same port, same data
 * await broker.stop({ removeData: false });         // an outage of any length...
 * await broker.launch();                            // ...and back on the same port with the same data
 * await broker.stop();                              // SIGTERM, then SIGKILL; removes the temporary data
 * ```
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Options of {@link startLocalBroker}; every field is optional. */
export interface LocalBrokerOptions {
  /** The broker's folder. Reused without re-formatting if it holds a broker already. Default: a new temporary
   * folder that stop() removes. */
  readonly dataDir?: string;
  /** Client port on 127.0.0.1. Default: the port saved in dataDir if free, else a free port. */
  readonly port?: number;
  /** KRaft controller port on 127.0.0.1. Default: like port. */
  readonly controllerPort?: number;
  /** Apache Kafka version, e.g. "3.9.2". Default: the one saved in dataDir, else TBPTT_KAFKA_VERSION or 3.9.2. */
  readonly version?: string;
  /** Jar cache root. Default: TBPTT_KAFKA_CACHE or <repo>/.cache/kafka. */
  readonly cacheDir?: string;
  /** JVM max heap, e.g. "512m". Default: TBPTT_KAFKA_HEAP or 512m. */
  readonly heap?: string;
  /** How long each launch waits for the broker to answer metadata requests. Default 90 000 ms. */
  readonly readyTimeoutMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. Default 30 000 ms. */
  readonly stopGraceMs?: number;
  /** Extra or replaced server.properties entries. */
  readonly brokerProperties?: Readonly<Record<string, string | number | boolean>>;
  /** Receives progress lines (jar fetch, storage format). Default: silent. */
  readonly log?: (line: string) => void;
}

/** A started broker. A broker still running when the Node process exits is sent SIGTERM. */
export interface LocalBroker {
  /** "127.0.0.1:PORT", for kafkajs `brokers: [bootstrap]`. */
  readonly bootstrap: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly dataDir: string;
  readonly version: string;
  readonly clusterId: string;
  /** The broker's log (its stdout and stderr). */
  readonly logFile: string;
  /** The JVM's process id. */
  readonly pid: number | undefined;
  /** Seconds from spawning the JVM to its first metadata answer, for the latest (re)start. */
  readonly lastStartSeconds: number;
  /** Whether the broker process is alive. */
  isRunning(): boolean;
  /** The last `lines` lines of the broker log (default 40). */
  logTail(lines?: number): string;
  /** SIGTERM (controlled shutdown), SIGKILL after stopGraceMs. removeData defaults to true only for the
   * temporary folder startLocalBroker created. */
  stop(options?: { readonly removeData?: boolean }): Promise<'terminated' | 'killed' | 'not-running'>;
  /** Stops the broker and starts it again on the same ports with the same data. */
  restart(): Promise<void>;
  /** Starts a broker stopped with `stop({ removeData: false })` again, on the same ports with the same data, and
   * resolves once it answers metadata requests (for an outage of chosen length: stop, wait, launch). Does
   * nothing while it runs. */
  launch(): Promise<void>;
}

/** What went wrong. */
export type LocalBrokerErrorCode =
  | 'JAVA_MISSING' | 'JAVA_TOO_OLD' | 'MAVEN_MISSING' | 'JAR_FETCH_FAILED' | 'FORMAT_FAILED'
  | 'BROKER_EXITED' | 'BROKER_NOT_READY' | 'BAD_OPTION';

/** The error thrown by {@link startLocalBroker} and {@link fetchKafkaJars}; `hint` says how to fix it (what
 * to install, where the broker log is) and is also the message's last line. */
export interface LocalBrokerError extends Error {
  readonly name: 'LocalBrokerError';
  readonly code: LocalBrokerErrorCode;
  readonly hint: string;
}

/** Whether `err` came from the local broker tooling. */
export function isLocalBrokerError(err: unknown): err is LocalBrokerError {
  return err instanceof Error && err.name === 'LocalBrokerError' && typeof (err as { code?: unknown }).code === 'string';
}

/** Where {@link fetchKafkaJars} put the jars, and whether Maven ran this time. */
export interface KafkaJars {
  /** The folder holding the broker's jars (the classpath is `libs/*`). */
  readonly libs: string;
  readonly version: string;
  readonly fetched: boolean;
  /** Seconds Maven took (0 when the cache was complete). */
  readonly seconds: number;
}

/** Options of {@link fetchKafkaJars}. */
export interface FetchKafkaJarsOptions {
  readonly version?: string;
  readonly cacheDir?: string;
  /** A Maven local repository to use instead of ~/.m2/repository (default TBPTT_KAFKA_MAVEN_REPO). */
  readonly mavenRepo?: string;
  readonly log?: (line: string) => void;
}

interface Tooling {
  startLocalBroker(options: LocalBrokerOptions): Promise<LocalBroker>;
  fetchKafkaJars(options: FetchKafkaJarsOptions): KafkaJars;
}

/** The scripts/kafka/lib folder, found from this module's location (src/ or dist/src/). */
function toolingDir(): string {
  let dir = __dirname;
  for (;;) {
    const candidate = join(dir, 'scripts', 'kafka', 'lib');
    if (existsSync(join(candidate, 'local-broker.js'))) return candidate;
    const up = dirname(dir);
    if (up === dir) throw new Error(`scripts/kafka/lib/local-broker.js not found above ${__dirname}`);
    dir = up;
  }
}

let tooling: Promise<Tooling> | undefined;
function load(): Promise<Tooling> {
  tooling ??= (async (): Promise<Tooling> => {
    const dir = toolingDir();
    const broker = await import(join(dir, 'local-broker.js'));
    const jars = await import(join(dir, 'kafka-jars.js'));
    return { startLocalBroker: broker.startLocalBroker, fetchKafkaJars: jars.fetchKafkaJars };
  })();
  return tooling;
}

/**
 * Starts a single-node KRaft broker (combined broker + controller) on 127.0.0.1 with the machine's Java and
 * resolves once it answers metadata requests. The first call on a machine fetches the jars with Maven.
 * @throws {LocalBrokerError} when Java or Maven is missing, the jars cannot be fetched, or the broker does not
 *   come up in time (the message then includes the end of the broker log).
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalBroker> {
  return (await load()).startLocalBroker(options);
}

/** Makes sure the broker jars of a Kafka version are in the cache (Maven runs only when they are not). */
export async function fetchKafkaJars(options: FetchKafkaJarsOptions = {}): Promise<KafkaJars> {
  return (await load()).fetchKafkaJars(options);
}
