// A real Prometheus (Debian's binary) scrapes the telemetry server with every catalog metric set to sample
// values; every PromQL expression of every dashboard panel, dashboard variable and alert rule returns at
// least one series through the HTTP API, and every alert rule evaluates without error.
// (The lead re-runs the same check against the running service on a real broker.)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { TelemetryServer } from '../../src/telemetry/http-server';
import { createMetricCatalog, type MetricCatalog } from '../../src/telemetry/metric-catalog';
import { PrometheusServer, prometheusAvailable } from './support/prometheus';
import { ALERTS_FILE, shippedQueries } from './support/observability-queries';
import { substituteGrafanaVariables } from '../telemetry/promql';

const skip = prometheusAvailable() ? false : 'prometheus is not installed (scripts/setup/20-debian.sh installs it)';

/** One tick of a fake service: every metric moves the way the real one would. */
function tick(m: MetricCatalog, i: number): void {
  m.recordsConsumed.inc({ topic: 'tbptt-input' }, 32);
  m.windows.inc();
  m.timestepsTrained.inc(16 * 15);
  m.predictions.inc(16 * 15);
  m.windowDuration.observe(0.004 + 0.001 * (i % 5));
  m.windowLoss.observe(1.5 - 0.001 * i);
  m.loss.set(1.5 - 0.001 * i);
  m.activeKeys.set(16);
  for (let p = 0; p < 4; p++) m.consumerLag.set({ topic: 'tbptt-input', partition: String(p) }, 10 * p + (i % 3));
  if (i % 5 === 0) {
    m.diagnostics.inc();
    m.diagnosticDuration.observe(0.05);
    m.truncationLength.set(15 + (i % 2));
    m.truncationEstimate.set(16);
    m.truncationChanges.inc();
    m.relativeBiasEstimate.set(0.08);
    m.gradientDecayRate.set(0.9);
    m.setGradientNorms(Float64Array.from({ length: 100 }, (_, j) => 0.9 ** j));
    m.decayEstimateFailures.inc({ reason: 'beta-ge-1' });
    m.updatesSkipped.inc({ reason: 'non-finite' });
    m.deadLetters.inc({ reason: 'malformed-json' });
    m.errors.inc({ component: 'source' });
    m.checkpointWritten();
    m.checkpointFailures.inc();
  }
}

describe('dashboards and alert rules against a real Prometheus', { skip }, () => {
  let server: TelemetryServer;
  let prometheus: PrometheusServer;
  let timer: NodeJS.Timeout;

  before(async () => {
    const registry = new Registry();
    const metrics = createMetricCatalog(registry, {
      diagnosticWindow: 100, inputTopics: ['tbptt-input'], checkpointsEnabled: true, checkpointIntervalSeconds: 60,
      relativeBiasTarget: 0.1, isReady: () => true,
    });
    metrics.setEngine('ts', 'cpu');
    let i = 0;
    tick(metrics, i++);
    timer = setInterval(() => tick(metrics, i++), 100);
    server = new TelemetryServer({ registry, host: '127.0.0.1', port: 0, isAlive: () => true, isReady: () => ({ ready: true }) });
    const port = await server.start();
    prometheus = await PrometheusServer.start({ targets: [`127.0.0.1:${port}`], ruleFiles: [ALERTS_FILE] });
    await prometheus.waitForScrapes(4);
  });

  after(async () => {
    clearInterval(timer);
    await prometheus?.stop();
    await server?.stop();
  });

  it('scrapes the catalog: the target is up and tbptt metrics carry job and instance', async () => {
    const s = await prometheus.query('tbptt_truncation_length');
    assert.equal(s.length, 1);
    assert.equal(s[0].metric.job, 'tbptt-stream');
    assert.match(s[0].metric.instance, /^127\.0\.0\.1:\d+$/);
  });

  it('every dashboard and alert expression returns at least one series', async () => {
    const queries = shippedQueries('1m');
    assert.ok(queries.length >= 30, `${queries.length} expressions`);
    const empty: string[] = [];
    for (const q of queries) {
      if (q.originalIsPromql) await prometheus.query(substituteGrafanaVariables(q.original, '1m')); // the shipped form parses
      const series = await prometheus.query(q.expr);
      if (series.length === 0) empty.push(`${q.where}: ${q.expr}`);
    }
    assert.deepEqual(empty, [], 'expressions without a series');
  });

  it('every alert rule is loaded and evaluates without error', async () => {
    const deadline = Date.now() + 20_000;
    let rules = await prometheus.rules();
    while (rules.some((r) => r.health === 'unknown') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      rules = await prometheus.rules();
    }
    assert.ok(rules.length >= 5, `${rules.length} rules`);
    for (const r of rules) assert.equal(r.health, 'ok', `${r.name}: ${r.lastError ?? ''}`);
  });

  it('an expression over a metric the service does not export returns nothing (the check can fail)', async () => {
    assert.deepEqual(await prometheus.query('tbptt_not_a_metric'), []);
  });
});
