#!/usr/bin/env node
'use strict';
// @ts-check
// The local Apache Kafka broker for development: one default instance, started in the background.
//
//   node scripts/kafka/kafka.js start [--port N] [--data-dir DIR] [--version X.Y.Z]
//       fetches the jars if needed, starts the broker, prints its bootstrap address (127.0.0.1:PORT) on stdout
//   node scripts/kafka/kafka.js stop [--keep]     SIGTERM, wait, SIGKILL; removes the data unless --keep
//   node scripts/kafka/kafka.js status            prints the bootstrap address; exit 0 running, 3 not running
//   node scripts/kafka/kafka.js fetch [--version X.Y.Z]   only fetches the jars into the cache
//
// npm run kafka:start / kafka:stop call this. State lives in .cache/kafka/run/broker.json (TBPTT_KAFKA_RUN_DIR).
// Tests and the demo use src/source/kafka/local-broker.ts, which runs the same code in-process.
const { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const { fetchKafkaJars } = require('./lib/kafka-jars');
const { startLocalBroker, LocalBrokerError } = require('./lib/local-broker');
const { kafkaVersion, runDir } = require('./lib/paths');
const { commandLine, isAlive, terminate } = require('./lib/process-control');

const USAGE = 'usage: kafka.js start [--port N] [--data-dir DIR] [--version X.Y.Z] | stop [--keep] | status | fetch [--version X.Y.Z]';

/**
 * @param {string[]} argv
 * @returns {{ command: string, port?: number, dataDir?: string, version?: string, keep: boolean }}
 */
function parseArgs(argv) {
  const [command = '', ...rest] = argv;
  /** @type {{ command: string, port?: number, dataDir?: string, version?: string, keep: boolean }} */
  const parsed = { command, keep: false };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new LocalBrokerError('BAD_OPTION', `${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--keep') parsed.keep = true;
    else if (flag === '--port') {
      parsed.port = Number(value());
      if (!Number.isInteger(parsed.port) || parsed.port < 1 || parsed.port > 65535) throw new LocalBrokerError('BAD_OPTION', '--port must be 1..65535');
    } else if (flag === '--data-dir') parsed.dataDir = value();
    else if (flag === '--version') parsed.version = value();
    else throw new LocalBrokerError('BAD_OPTION', `unknown option ${flag}\n${USAGE}`);
  }
  return parsed;
}

const statePath = () => join(runDir(), 'broker.json');

/**
 * @returns {{ pid: number, bootstrap: string, port: number, controllerPort: number, dataDir: string,
 *   logFile: string, version: string, startedAt: string } | undefined} the default broker's state, if its
 *   process is still the broker that wrote it
 */
function runningState() {
  if (!existsSync(statePath())) return undefined;
  const state = JSON.parse(readFileSync(statePath(), 'utf8'));
  const ours = isAlive(state.pid) && commandLine(state.pid).includes(join(state.dataDir, 'server.properties'));
  return ours ? state : undefined;
}

/** @param {string} line */
const say = (line) => process.stderr.write(`kafka: ${line}\n`);

/** @param {ReturnType<typeof parseArgs>} args @returns {Promise<number>} exit code */
async function start(args) {
  const running = runningState();
  if (running) {
    say(`already running (pid ${running.pid}, Kafka ${running.version}, data ${running.dataDir})`);
    process.stdout.write(`${running.bootstrap}\n`);
    return 0;
  }
  const dataDir = args.dataDir ?? join(runDir(), 'data');
  const broker = await startLocalBroker({ dataDir, port: args.port, version: args.version, detached: true, log: say });
  const state = {
    pid: broker.pid, bootstrap: broker.bootstrap, port: broker.port, controllerPort: broker.controllerPort,
    dataDir: broker.dataDir, logFile: broker.logFile, version: broker.version, startedAt: new Date().toISOString(),
  };
  mkdirSync(runDir(), { recursive: true });
  writeFileSync(statePath(), `${JSON.stringify(state, null, 2)}\n`);
  say(`Kafka ${broker.version} broker ready in ${broker.lastStartSeconds.toFixed(1)} s (pid ${broker.pid}, data ${broker.dataDir}, log ${broker.logFile})`);
  say('stop it with: npm run kafka:stop');
  process.stdout.write(`${broker.bootstrap}\n`);
  return 0;
}

/** @param {ReturnType<typeof parseArgs>} args @returns {Promise<number>} exit code */
async function stop(args) {
  if (!existsSync(statePath())) {
    say('no broker was started with kafka:start');
    return 0;
  }
  const state = JSON.parse(readFileSync(statePath(), 'utf8'));
  const running = runningState();
  const outcome = running ? await terminate(running.pid) : 'not-running';
  say(outcome === 'not-running' ? `the broker (pid ${state.pid}) was not running` : `broker pid ${state.pid} ${outcome}`);
  if (args.keep) {
    say(`kept its data in ${state.dataDir}`);
  } else {
    rmSync(state.dataDir, { recursive: true, force: true });
    say(`removed ${state.dataDir}`);
  }
  rmSync(statePath(), { force: true });
  return 0;
}

/** @returns {number} exit code: 0 running, 3 not running */
function status() {
  const running = runningState();
  if (!running) {
    say('not running');
    return 3;
  }
  say(`running: pid ${running.pid}, Kafka ${running.version}, since ${running.startedAt}, data ${running.dataDir}`);
  process.stdout.write(`${running.bootstrap}\n`);
  return 0;
}

/** @param {ReturnType<typeof parseArgs>} args @returns {number} exit code */
function fetch(args) {
  const result = fetchKafkaJars({ version: args.version ?? kafkaVersion(), log: say });
  if (!result.fetched) say(`Kafka ${result.version} jars already cached in ${result.libs}`);
  return 0;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  switch (args.command) {
    case 'start': return start(args);
    case 'stop': return stop(args);
    case 'status': return status();
    case 'fetch': return fetch(args);
    default:
      process.stderr.write(`${USAGE}\n`);
      return 2;
  }
}

main().then((code) => { process.exitCode = code; }, (err) => {
  process.stderr.write(`kafka: ${err instanceof LocalBrokerError ? err.message : err.stack}\n`);
  process.exitCode = 1;
});
