'use strict';
// @ts-check
// Waits until a broker answers metadata requests (kafkajs admin describeCluster + listTopics).
const { Kafka, logLevel } = require('kafkajs');
const { sleep } = require('./process-control');

/**
 * Polls the broker every pollMs until it lists itself in describeCluster and answers listTopics.
 * @param {string} bootstrap host:port
 * @param {{ timeoutMs: number, pollMs?: number, gaveUp?: () => string | undefined }} options
 *   gaveUp: checked between polls; returning a reason stops waiting (e.g. the process exited)
 * @returns {Promise<{ ok: true } | { ok: false, reason: string }>}
 */
async function waitUntilReady(bootstrap, options) {
  const deadline = Date.now() + options.timeoutMs;
  const kafka = new Kafka({
    clientId: 'tbptt-local-broker-probe', brokers: [bootstrap], logLevel: logLevel.NOTHING,
    connectionTimeout: 1000, requestTimeout: 3000, retry: { retries: 0 },
  });
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    const reason = options.gaveUp?.();
    if (reason) return { ok: false, reason };
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      await admin.listTopics();
      if (cluster.brokers.length > 0) return { ok: true };
      last = 'the cluster lists no broker yet';
    } catch (err) {
      last = /** @type {Error} */ (err).message;
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(options.pollMs ?? 200);
  }
  return { ok: false, reason: `no metadata answer within ${options.timeoutMs} ms (last: ${last})` };
}

module.exports = { waitUntilReady };
