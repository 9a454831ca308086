'use strict';
// @ts-check
// A real single-node Apache Kafka broker (KRaft, combined broker + controller) on 127.0.0.1, run from the
// official jars with the machine's Java. Used by `kafka.js start|stop|status`, by the integration tests and by
// the demo (through src/source/kafka/local-broker.ts).
const { spawn, spawnSync } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join, resolve } = require('node:path');
const { writeBrokerConfig } = require('./broker-config');
const { findJava } = require('./java-runtime');
const { fetchKafkaJars } = require('./kafka-jars');
const { LocalBrokerError } = require('./local-broker-error');
const { kafkaVersion } = require('./paths');
const { freePort, isAlive, isPortFree, terminate } = require('./process-control');
const { waitUntilReady } = require('./wait-ready');

/**
 * @typedef {object} LocalBrokerOptions
 * @property {string} [dataDir]  the broker's folder; reused (not re-formatted) if it holds a broker already.
 *   Default: a new temporary folder, removed by stop().
 * @property {number} [port]  client port on 127.0.0.1. Default: the port saved in dataDir if free, else a free one.
 * @property {number} [controllerPort]  KRaft controller port. Default: like port.
 * @property {string} [version]  Kafka version. Default: the one saved in dataDir, else TBPTT_KAFKA_VERSION or 3.9.2.
 * @property {string} [cacheDir]  jar cache root. Default: TBPTT_KAFKA_CACHE or <repo>/.cache/kafka.
 * @property {string} [heap]  JVM max heap, e.g. "512m" (default TBPTT_KAFKA_HEAP or 512m).
 * @property {number} [readyTimeoutMs]  how long to wait for metadata answers after each launch (default 90 000).
 * @property {number} [stopGraceMs]  how long stop() waits after SIGTERM before SIGKILL (default 30 000).
 * @property {boolean} [detached]  let the broker outlive this process (the npm script); default false: a broker
 *   still running when this process exits is sent SIGTERM.
 * @property {Record<string, string | number | boolean>} [brokerProperties]  extra or replaced server properties.
 * @property {(line: string) => void} [log]  progress lines (jar fetch, formatting).
 */

/** Brokers owned by this process and still running; sent SIGTERM when the process exits. */
const owned = new Set();
let exitHookInstalled = false;
function installExitHook() {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of owned) {
      try { child.kill('SIGTERM'); } catch { /* gone */ }
    }
  });
}

/**
 * The exit hook does not run when this process is killed by a signal; a tiny shell loop then sends the
 * broker SIGTERM, so that no orphaned broker outlives a killed test run. It ends by itself with the broker.
 * @param {number} brokerPid
 */
function watchParent(brokerPid) {
  const loop = `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${brokerPid} 2>/dev/null; do sleep 2; done; ` +
    `kill -0 ${process.pid} 2>/dev/null || kill -TERM ${brokerPid} 2>/dev/null; exit 0`;
  try {
    spawn('sh', ['-c', loop], { stdio: 'ignore', detached: true }).unref();
  } catch { /* no sh: the exit hook still covers normal exits */ }
}

/** @returns {string} a Kafka cluster id: 16 random bytes, URL-safe base64 without padding */
function newClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * @param {string} file
 * @param {number} lines
 * @returns {string} the last lines of a text file ('' if missing)
 */
function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * @param {string} file
 * @param {number} max
 * @returns {string} the first `max` ERROR/FATAL entries of a broker log, each with its exception line
 */
function firstErrors(file, max) {
  let lines;
  try {
    lines = readFileSync(file, 'utf8').split('\n');
  } catch {
    return '';
  }
  const picked = [];
  for (let i = 0; i < lines.length && picked.length < 2 * max; i++) {
    if (!/^\[[^\]]*\] (ERROR|FATAL) /.test(lines[i])) continue;
    picked.push(lines[i]);
    if (lines[i + 1] && !lines[i + 1].startsWith('[')) picked.push(`  ${lines[i + 1]}`);
  }
  return picked.join('\n');
}

/** A running (or stopped) local broker. Create it with startLocalBroker(). */
class LocalBroker {
  /**
   * @param {{ java: string, libs: string, version: string, dataDir: string, ownsDataDir: boolean, port: number,
   *   controllerPort: number, clusterId: string, serverProperties: string, loggingFlag: string, heap: string,
   *   readyTimeoutMs: number, stopGraceMs: number, detached: boolean }} s
   */
  constructor(s) {
    this.settings = s;
    /** @type {import('node:child_process').ChildProcess | undefined} */
    this.child = undefined;
    /** @type {{ code: number | null, signal: string | null } | undefined} */
    this.exit = undefined;
    /** @type {Promise<void>} resolves when the latest launch's process has exited */
    this.exited = Promise.resolve();
    /** Seconds from spawning the JVM to the first metadata answer, for the latest launch. */
    this.lastStartSeconds = 0;
  }

  /** "127.0.0.1:PORT", for kafkajs `brokers: [bootstrap]`. */
  get bootstrap() { return `127.0.0.1:${this.settings.port}`; }
  get port() { return this.settings.port; }
  get controllerPort() { return this.settings.controllerPort; }
  get dataDir() { return this.settings.dataDir; }
  get version() { return this.settings.version; }
  get clusterId() { return this.settings.clusterId; }
  /** The broker's stdout and stderr (its log4j output). */
  get logFile() { return join(this.settings.dataDir, 'broker.log'); }
  /** The JVM's process id, undefined before the first launch. */
  get pid() { return this.child?.pid; }

  /** @returns {boolean} whether the broker process is alive */
  isRunning() {
    return this.child?.pid !== undefined && this.exit === undefined && isAlive(this.child.pid);
  }

  /**
   * @param {number} [lines] default 40
   * @returns {string} the end of the broker log
   */
  logTail(lines = 40) { return tail(this.logFile, lines); }

  /** Spawns the JVM and waits until the broker answers metadata requests. */
  async launch() {
    const s = this.settings;
    if (this.isRunning()) return;
    const log = openSync(this.logFile, 'a');
    const args = [`-Xmx${s.heap}`, '-Xms64m', '-XX:+UseG1GC', '-XX:MaxGCPauseMillis=20', '-XX:+ExitOnOutOfMemoryError',
      '-Djava.awt.headless=true', s.loggingFlag, `-Dkafka.logs.dir=${s.dataDir}`,
      '-cp', join(s.libs, '*'), 'kafka.Kafka', s.serverProperties];
    const started = Date.now();
    // Always its own process group: Ctrl-C in a terminal signals the whole foreground group, and a broker that
    // dies with it leaves its owner (the demo, a service) unable to publish and commit while it shuts down.
    // Ownership (exit hook, watchdog) below still depends on s.detached.
    const child = spawn(s.java, args, { cwd: s.dataDir, stdio: ['ignore', log, log], detached: true });
    closeSync(log);
    this.child = child;
    this.exit = undefined;
    /** @type {Promise<void>} */
    this.exited = new Promise((resolveExit) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) this.exit = { code, signal };
        owned.delete(child);
        resolveExit();
      });
    });
    if (s.detached) {
      child.unref();
    } else {
      installExitHook();
      owned.add(child);
      if (child.pid !== undefined) watchParent(child.pid);
    }
    const ready = await waitUntilReady(this.bootstrap, {
      timeoutMs: s.readyTimeoutMs,
      gaveUp: () => (this.exit ? `the broker process exited (code ${this.exit.code}, signal ${this.exit.signal})` : undefined),
    });
    if (!ready.ok) {
      if (child.pid !== undefined) await terminate(child.pid, { graceMs: 5000 });
      owned.delete(child);
      const code = this.exit ? 'BROKER_EXITED' : 'BROKER_NOT_READY';
      const errors = firstErrors(this.logFile, 5);
      throw new LocalBrokerError(code, `The Kafka ${s.version} broker at ${this.bootstrap} did not start: ${ready.reason}.\n` +
        (errors ? `--- first errors in the broker log ---\n${errors}\n` : '') +
        `--- last lines of ${this.logFile} ---\n${this.logTail(25)}`, `Full broker log: ${this.logFile}`);
    }
    this.lastStartSeconds = (Date.now() - started) / 1000;
  }

  /**
   * Stops the broker: SIGTERM (controlled shutdown), then SIGKILL after stopGraceMs.
   * @param {{ removeData?: boolean }} [options] removeData: delete dataDir afterwards; default: only when the
   *   folder was created by startLocalBroker (no dataDir option)
   * @returns {Promise<'terminated' | 'killed' | 'not-running'>}
   */
  async stop(options = {}) {
    const child = this.child;
    const outcome = child?.pid !== undefined && this.exit === undefined
      ? await terminate(child.pid, { graceMs: this.settings.stopGraceMs })
      : 'not-running';
    if (child) {
      owned.delete(child);
      if (outcome !== 'not-running') await this.exited; // reaped: no late 'exit' event after a restart
    }
    if (options.removeData ?? this.settings.ownsDataDir) rmSync(this.settings.dataDir, { recursive: true, force: true });
    return outcome;
  }

  /** Stops the broker and starts it again on the same ports with the same data (for tests of broker restarts). */
  async restart() {
    await this.stop({ removeData: false });
    await this.launch();
  }
}

/**
 * Starts a single-node Kafka broker on 127.0.0.1 and resolves once it answers metadata requests.
 * Fetches the jars on first use (Maven), formats KRaft storage when dataDir is new.
 * @param {LocalBrokerOptions} [options]
 * @returns {Promise<LocalBroker>}
 * @throws {LocalBrokerError} with a code and a hint (what to install, where the log is)
 */
async function startLocalBroker(options = {}) {
  const log = options.log ?? (() => {});
  const { java } = findJava();
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = ownsDataDir ? mkdtempSync(join(tmpdir(), 'tbptt-kafka-')) : resolve(/** @type {string} */ (options.dataDir));
  mkdirSync(dataDir, { recursive: true });
  const savedPath = join(dataDir, 'local-broker.json');
  /** @type {{ version?: string, port?: number, controllerPort?: number, clusterId?: string }} */
  const saved = existsSync(savedPath) ? JSON.parse(readFileSync(savedPath, 'utf8')) : {};
  const version = options.version ?? saved.version ?? kafkaVersion();
  const { libs } = fetchKafkaJars({ version, cacheDir: options.cacheDir, log });

  /** @param {number | undefined} wanted @param {number | undefined} previous @param {number[]} taken */
  const pickPort = async (wanted, previous, taken) => {
    if (wanted !== undefined) return wanted;
    if (previous !== undefined && !taken.includes(previous) && await isPortFree(previous)) return previous;
    for (;;) {
      const port = await freePort();
      if (!taken.includes(port)) return port;
    }
  };
  let port = await pickPort(options.port, saved.port, []);
  let controllerPort = await pickPort(options.controllerPort, saved.controllerPort, [port]);
  const clusterId = saved.clusterId ?? newClusterId();
  const { serverProperties, loggingFlag } = writeBrokerConfig({ dataDir, port, controllerPort, version, overrides: options.brokerProperties });

  if (!existsSync(join(dataDir, 'storage', 'meta.properties'))) {
    log(`formatting KRaft storage in ${join(dataDir, 'storage')} (cluster id ${clusterId})`);
    const format = spawnSync(java, [loggingFlag, '-cp', join(libs, '*'), 'kafka.tools.StorageTool', 'format',
      '-t', clusterId, '-c', serverProperties, '--ignore-formatted'], { encoding: 'utf8', cwd: dataDir });
    if (format.status !== 0) {
      const out = `${format.stdout}\n${format.stderr}`.trim().split('\n').slice(-20).join('\n');
      throw new LocalBrokerError('FORMAT_FAILED', `Formatting KRaft storage in ${dataDir} failed (exit ${format.status}):\n${out}`);
    }
  }
  const save = () => writeFileSync(savedPath, `${JSON.stringify({ version, port, controllerPort, clusterId }, null, 2)}\n`);
  save();

  const broker = new LocalBroker({
    java, libs, version, dataDir, ownsDataDir, port, controllerPort, clusterId, serverProperties, loggingFlag,
    heap: options.heap ?? process.env.TBPTT_KAFKA_HEAP ?? '512m',
    readyTimeoutMs: options.readyTimeoutMs ?? 90_000,
    stopGraceMs: options.stopGraceMs ?? 30_000,
    detached: options.detached ?? false,
  });
  // A port picked here can be taken by another process before the JVM binds it: pick new ones and retry.
  const portsChosenHere = options.port === undefined && options.controllerPort === undefined;
  for (let attempt = 1; ; attempt++) {
    try {
      await broker.launch(); // on failure the folder stays, so that the log the error names can be read
      return broker;
    } catch (err) {
      const portTaken = /Address already in use/.test(broker.logTail(200));
      if (!(portsChosenHere && portTaken && attempt < 3)) throw err;
      port = await pickPort(undefined, undefined, []);
      controllerPort = await pickPort(undefined, undefined, [port]);
      log(`a port was taken; retrying on ${port} (controller ${controllerPort})`);
      writeBrokerConfig({ dataDir, port, controllerPort, version, overrides: options.brokerProperties });
      save();
      Object.assign(broker.settings, { port, controllerPort });
      writeFileSync(broker.logFile, '');
    }
  }
}

module.exports = { startLocalBroker, LocalBroker, LocalBrokerError };
