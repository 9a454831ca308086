'use strict';
// @ts-check
// Small process helpers: liveness by pid, graceful termination (SIGTERM, wait, then SIGKILL), a free port.
const { readFileSync } = require('node:fs');
const { createServer } = require('node:net');

/**
 * @param {number} pid
 * @returns {boolean} whether a process with this pid exists (zombies count as gone)
 */
function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/**
 * @param {number} pid
 * @returns {string} the process's command line ('' when unknown)
 */
function commandLine(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

/** @param {number} ms */
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Sends SIGTERM, waits up to graceMs for the process to exit, then sends SIGKILL and waits again.
 * @param {number} pid
 * @param {{ graceMs?: number }} [options] graceMs default 30 000
 * @returns {Promise<'terminated' | 'killed' | 'not-running'>}
 */
async function terminate(pid, options = {}) {
  if (!isAlive(pid)) return 'not-running';
  const graceMs = options.graceMs ?? 30_000;
  /** @param {number} ms */
  const gone = async (ms) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (!isAlive(pid)) return true;
      await sleep(50);
    }
    return !isAlive(pid);
  };
  process.kill(pid, 'SIGTERM');
  if (await gone(graceMs)) return 'terminated';
  try { process.kill(pid, 'SIGKILL'); } catch { /* exited meanwhile */ }
  await gone(10_000);
  return 'killed';
}

/**
 * @param {string} [host] default 127.0.0.1
 * @returns {Promise<number>} a TCP port that was free a moment ago (the OS's pick)
 */
function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * @param {number} port
 * @param {string} [host] default 127.0.0.1
 * @returns {Promise<boolean>} whether the port can be bound now
 */
function isPortFree(port, host = '127.0.0.1') {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.on('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

module.exports = { isAlive, commandLine, terminate, freePort, isPortFree, sleep };
