'use strict';
// @ts-check
// Where the local broker tooling keeps its files. Everything lives under the repository's .cache/kafka
// (gitignored) unless the environment says otherwise:
//   TBPTT_KAFKA_CACHE    the cache root (jars per version, the npm script's run folder)
//   TBPTT_KAFKA_VERSION  the Apache Kafka version to run (default below)
//   TBPTT_KAFKA_RUN_DIR  where `kafka.js start|stop|status` keep their state file and default data
const { join, resolve } = require('node:path');

/** The Apache Kafka release run by default: the newest 3.9.x on Maven Central (Scala 2.13 build). */
const DEFAULT_KAFKA_VERSION = '3.9.2';

/** The repository root (this file is scripts/kafka/lib/paths.js). */
const REPO_ROOT = resolve(__dirname, '..', '..', '..');

/** @returns {string} the cache root, default <repo>/.cache/kafka */
function cacheRoot() {
  return process.env.TBPTT_KAFKA_CACHE ? resolve(process.env.TBPTT_KAFKA_CACHE) : join(REPO_ROOT, '.cache', 'kafka');
}

/** @returns {string} the Kafka version to run: TBPTT_KAFKA_VERSION or the default */
function kafkaVersion() {
  return process.env.TBPTT_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

/** @returns {string} the folder of the npm script's single default broker (state file + data) */
function runDir() {
  return process.env.TBPTT_KAFKA_RUN_DIR ? resolve(process.env.TBPTT_KAFKA_RUN_DIR) : join(cacheRoot(), 'run');
}

module.exports = { DEFAULT_KAFKA_VERSION, REPO_ROOT, cacheRoot, kafkaVersion, runDir };
