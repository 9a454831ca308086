'use strict';
// @ts-check
// Finds the Java runtime that runs the broker: $JAVA_HOME/bin/java when JAVA_HOME is set, else `java` on
// PATH. Kafka 3.9 and 4.x brokers are run on Java 17 or newer here.
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const { LocalBrokerError } = require('./local-broker-error');

const MIN_JAVA_MAJOR = 17;
const INSTALL_HINT = 'Install Java 17: apt-get install openjdk-17-jre-headless (or set JAVA_HOME to a JDK/JRE 17+).';

/**
 * @returns {{ java: string, major: number, versionLine: string }} the java command and its major version
 * @throws {LocalBrokerError} JAVA_MISSING or JAVA_TOO_OLD, with the install hint
 */
function findJava() {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const probe = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new LocalBrokerError('JAVA_MISSING', `Java was not found (${java}: ${probe.error ? probe.error.message : probe.stderr.trim()}).`, INSTALL_HINT);
  }
  const versionLine = (probe.stderr || probe.stdout).split('\n')[0].trim();
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionLine);
  if (!match) throw new LocalBrokerError('JAVA_MISSING', `Cannot read the Java version from "${versionLine}".`, INSTALL_HINT);
  const major = match[1] === '1' ? Number(match[2]) : Number(match[1]);
  if (major < MIN_JAVA_MAJOR) {
    throw new LocalBrokerError('JAVA_TOO_OLD', `Java ${major} found (${versionLine}); the broker needs Java ${MIN_JAVA_MAJOR}+.`, INSTALL_HINT);
  }
  return { java, major, versionLine };
}

module.exports = { findJava, MIN_JAVA_MAJOR };
