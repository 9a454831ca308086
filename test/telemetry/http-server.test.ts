// The telemetry HTTP server: /metrics in the Prometheus text format, /healthz and /readyz following the
// injected checks, shutdown flips readiness, stop frees the port.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Registry } from 'prom-client';
import { TelemetryServer, type Readiness } from '../../src/telemetry/http-server';
import { createMetricCatalog } from '../../src/telemetry/metric-catalog';

async function get(port: number, path: string, method = 'GET') {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

describe('telemetry http server', () => {
  it('serves the registry at /metrics in the Prometheus text format', async () => {
    const registry = new Registry();
    const metrics = createMetricCatalog(registry, { diagnosticWindow: 100, inputTopics: ['in'], checkpointsEnabled: false, checkpointIntervalSeconds: 0, relativeBiasTarget: 0.1 });
    metrics.truncationLength.set(17);
    const server = new TelemetryServer({ registry, host: '127.0.0.1', port: 0, isAlive: () => true, isReady: () => ({ ready: true }) });
    const port = await server.start();
    try {
      assert.ok(port > 0);
      const r = await get(port, '/metrics');
      assert.equal(r.status, 200);
      assert.match(r.type, /^text\/plain; version=0\.0\.4/);
      assert.match(r.body, /^# HELP tbptt_truncation_length .+$/m);
      assert.match(r.body, /^# TYPE tbptt_truncation_length gauge$/m);
      assert.match(r.body, /^tbptt_truncation_length 17$/m);
      assert.match(r.body, /^process_cpu_seconds_total \d/m);
      assert.equal((await get(port, '/nope')).status, 404);
      assert.equal((await get(port, '/metrics', 'POST')).status, 405);
      const head = await get(port, '/healthz', 'HEAD');
      assert.equal(head.status, 200);
      assert.equal(head.body, '');
    } finally {
      await server.stop();
    }
  });

  it('/healthz and /readyz follow the injected checks; shutting down makes it unready', async () => {
    let alive = true;
    let readiness: Readiness = { ready: false, reason: 'partitions not assigned' };
    const server = new TelemetryServer({ registry: new Registry(), host: '127.0.0.1', port: 0, isAlive: () => alive, isReady: () => readiness });
    const port = await server.start();
    try {
      assert.equal((await get(port, '/healthz')).status, 200);
      const notReady = await get(port, '/readyz');
      assert.equal(notReady.status, 503);
      assert.deepEqual(JSON.parse(notReady.body), { status: 'not ready', reason: 'partitions not assigned' });
      readiness = { ready: true };
      assert.equal((await get(port, '/readyz')).status, 200);
      alive = false;
      assert.equal((await get(port, '/healthz')).status, 503);
      alive = true;
      server.markShuttingDown();
      const down = await get(port, '/readyz');
      assert.equal(down.status, 503);
      assert.equal(JSON.parse(down.body).reason, 'shutting down');
      assert.equal((await get(port, '/healthz')).status, 200, 'still alive while draining');
    } finally {
      await server.stop();
    }
  });

  it('a throwing check counts as failing, not as a crash', async () => {
    const server = new TelemetryServer({
      registry: new Registry(), host: '127.0.0.1', port: 0,
      isAlive: () => { throw new Error('x'); }, isReady: () => { throw new Error('y'); },
    });
    const port = await server.start();
    try {
      assert.equal((await get(port, '/healthz')).status, 503);
      assert.equal((await get(port, '/readyz')).status, 503);
    } finally {
      await server.stop();
    }
  });

  it('stop closes the port, also with a keep-alive connection open', async () => {
    const server = new TelemetryServer({ registry: new Registry(), host: '127.0.0.1', port: 0, isAlive: () => true, isReady: () => ({ ready: true }) });
    const port = await server.start();
    assert.equal((await get(port, '/healthz')).status, 200);
    assert.ok(await portAccepts(port));
    await server.stop();
    assert.equal(await portAccepts(port), false);
    await server.stop();
  });

  it('start fails when the port is taken', async () => {
    const a = new TelemetryServer({ registry: new Registry(), host: '127.0.0.1', port: 0, isAlive: () => true, isReady: () => ({ ready: true }) });
    const port = await a.start();
    try {
      const b = new TelemetryServer({ registry: new Registry(), host: '127.0.0.1', port, isAlive: () => true, isReady: () => ({ ready: true }) });
      await assert.rejects(b.start(), /EADDRINUSE/);
    } finally {
      await a.stop();
    }
  });
});
