// The metric catalog: every metric the issue asks for, with its type and labels, on the injected registry;
// bounded label values; the helpers (lag norms, checkpoint age, engine info, readiness).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetricCatalog, type MetricCatalogOptions } from '../../src/telemetry/metric-catalog';
import { gradientLags } from '../../src/telemetry/gradient-lags';
import { DECODE_FAILURE_REASONS } from '../../src/decode/decode-failure';

const OPTIONS: MetricCatalogOptions = {
  diagnosticWindow: 100, inputTopics: ['in-a', 'in-b'], checkpointsEnabled: true, checkpointIntervalSeconds: 60,
  relativeBiasTarget: 0.1, defaultMetrics: true,
};

/** Written from the issue text (issue 5, deliverable 1), not from the catalog. */
const REQUIRED: ReadonlyArray<[name: string, type: string, labels: string[]]> = [
  ['tbptt_truncation_length', 'gauge', []],
  ['tbptt_truncation_changes_total', 'counter', []],
  ['tbptt_relative_bias_estimate', 'gauge', []],
  ['tbptt_relative_bias_target', 'gauge', []],
  ['tbptt_gradient_decay_rate', 'gauge', []],
  ['tbptt_decay_estimate_failures_total', 'counter', ['reason']],
  ['tbptt_gradient_norm_by_lag', 'gauge', ['lag']],
  ['tbptt_window_duration_seconds', 'histogram', []],
  ['tbptt_diagnostic_duration_seconds', 'histogram', []],
  ['tbptt_timesteps_trained_total', 'counter', []],
  ['tbptt_windows_total', 'counter', []],
  ['tbptt_records_consumed_total', 'counter', ['topic']],
  ['tbptt_predictions_total', 'counter', []],
  ['tbptt_dead_letters_total', 'counter', ['reason']],
  ['tbptt_loss', 'gauge', []],
  ['tbptt_consumer_lag', 'gauge', ['topic', 'partition']],
  ['tbptt_active_keys', 'gauge', []],
  ['tbptt_buffered_steps', 'gauge', []],
  ['tbptt_paused_partitions', 'gauge', []],
  ['tbptt_checkpoint_age_seconds', 'gauge', []],
  ['tbptt_engine_info', 'gauge', ['engine', 'backend']],
];

/** Parses the Prometheus text format into samples (enough for these tests). */
function samples(text: string): { name: string; labels: Record<string, string>; value: number }[] {
  const out: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(m, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]) });
  }
  return out;
}

describe('metric catalog', () => {
  it('registers every metric of the issue with its type and label names', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, OPTIONS);
    const json = await registry.getMetricsAsJSON();
    const byName = new Map(json.map((m) => [m.name, m]));
    for (const [name, type, labels] of REQUIRED) {
      const m = byName.get(name);
      assert.ok(m, `${name} is not registered`);
      assert.equal(m.type, type, `${name} type`);
      const declared = (registry.getSingleMetric(name) as unknown as { labelNames: string[] }).labelNames;
      assert.deepEqual([...declared].sort(), [...labels].sort(), `${name} label names`);
    }
    const text = await registry.metrics();
    for (const [name, type] of REQUIRED) assert.match(text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'));
  });

  it('accepts exactly the declared label names (typed use from the service)', () => {
    const c = createMetricCatalog(new Registry(), { ...OPTIONS, defaultMetrics: false });
    c.consumerLag.set({ topic: 'in-a', partition: '3' }, 12);
    c.recordsConsumed.inc({ topic: 'in-a' });
    c.deadLetters.inc({ reason: 'malformed-json' });
    assert.throws(() => c.deadLetters.inc({ key: 'user-17' } as never), /label/i);
    assert.throws(() => c.consumerLag.set({ topic: 'in-a', partition: '1', key: 'k' } as never, 1), /label/i);
  });

  it('follows the naming conventions: counters end in _total, durations in _seconds, no sequence-key label', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false });
    for (const m of await registry.getMetricsAsJSON()) {
      assert.match(m.name, /^tbptt_[a-z0-9_]+$/);
      if (String(m.type) === 'counter') assert.match(m.name, /_total$/, m.name);
      else assert.doesNotMatch(m.name, /_total$/, m.name);
      if (/duration|age|interval/.test(m.name)) assert.match(m.name, /_seconds$/, m.name);
      for (const v of m.values) for (const l of Object.keys(v.labels)) assert.ok(!['key', 'sequence', 'sequence_key'].includes(l), `${m.name}{${l}}`);
    }
  });

  it('turns on the default process metrics on the injected registry only', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, OPTIONS);
    const names = (await registry.getMetricsAsJSON()).map((m) => m.name);
    assert.ok(names.includes('process_cpu_seconds_total'));
    assert.ok(names.includes('nodejs_eventloop_lag_seconds'));
    const bare = new Registry();
    createMetricCatalog(bare, { ...OPTIONS, defaultMetrics: false });
    assert.ok(!(await bare.getMetricsAsJSON()).some((m) => m.name.startsWith('process_')));
  });

  it('pre-registers every bounded label value at 0: decoder reasons, failure reasons, topics', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false });
    const s = samples(await registry.metrics());
    const reasons = s.filter((x) => x.name === 'tbptt_dead_letters_total').map((x) => x.labels.reason).sort();
    assert.deepEqual(reasons, [...DECODE_FAILURE_REASONS].sort());
    const decay = s.filter((x) => x.name === 'tbptt_decay_estimate_failures_total').map((x) => x.labels.reason);
    for (const r of ['beta-ge-1', 'no-decay-fit', 'no-lower-bound', 'delta-not-reached', 'insufficient-history']) assert.ok(decay.includes(r), r);
    assert.deepEqual(s.filter((x) => x.name === 'tbptt_records_consumed_total').map((x) => x.labels.topic).sort(), ['in-a', 'in-b']);
    assert.ok(s.filter((x) => x.name.endsWith('_total')).every((x) => x.value === 0));
    assert.equal(s.find((x) => x.name === 'tbptt_relative_bias_target')?.value, 0.1);
    assert.equal(s.find((x) => x.name === 'tbptt_checkpoint_interval_seconds')?.value, 60);
  });

  it('buckets cover the units: windows 1 ms … 10 s, diagnostics up to 100 s, loss 0.001 … 100', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false });
    const s = samples(await registry.metrics());
    const bounds = (name: string) => s.filter((x) => x.name === `${name}_bucket`).map((x) => (x.labels.le === '+Inf' ? Infinity : Number(x.labels.le)));
    for (const [name, lo, hi] of [['tbptt_window_duration_seconds', 0.001, 10], ['tbptt_diagnostic_duration_seconds', 0.001, 100], ['tbptt_window_loss', 0.001, 100]] as const) {
      const b = bounds(name);
      assert.equal(b[0], lo, `${name} smallest bucket`);
      assert.equal(b[b.length - 2], hi, `${name} largest finite bucket`);
      assert.equal(b[b.length - 1], Infinity);
      for (let i = 1; i < b.length - 1; i++) assert.ok(b[i] > b[i - 1] && b[i] <= b[i - 1] * 2.5 + 1e-12, `${name} buckets at most ×2.5 apart`);
    }
  });

  it('exports the gradient norms at lags 0, 1, 2, 4, … < W only', async () => {
    const registry = new Registry();
    const c = createMetricCatalog(registry, { ...OPTIONS, diagnosticWindow: 20, defaultMetrics: false });
    assert.deepEqual(c.lags, [0, 1, 2, 4, 8, 16]);
    c.setGradientNorms(Float64Array.from({ length: 20 }, (_, j) => 0.9 ** j));
    const s = samples(await registry.metrics()).filter((x) => x.name === 'tbptt_gradient_norm_by_lag');
    assert.deepEqual(s.map((x) => x.labels.lag), ['0', '1', '2', '4', '8', '16']);
    for (const x of s) assert.ok(Math.abs(x.value - 0.9 ** Number(x.labels.lag)) < 1e-12);
  });

  it('gradientLags: 0 and powers of two below W', () => {
    assert.deepEqual(gradientLags(1), [0]);
    assert.deepEqual(gradientLags(2), [0, 1]);
    assert.deepEqual(gradientLags(64), [0, 1, 2, 4, 8, 16, 32]);
    assert.deepEqual(gradientLags(65), [0, 1, 2, 4, 8, 16, 32, 64]);
    assert.deepEqual(gradientLags(100), [0, 1, 2, 4, 8, 16, 32, 64]);
    assert.throws(() => gradientLags(0), RangeError);
  });

  it('computes the checkpoint age and readiness at scrape time with the injected clock', async () => {
    let t = 1_000_000;
    let ready = false;
    const registry = new Registry();
    const c = createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false, now: () => t, isReady: () => ready });
    const value = async (name: string) => samples(await registry.metrics()).find((x) => x.name === name)?.value;
    t += 30_000;
    assert.equal(await value('tbptt_checkpoint_age_seconds'), 30, 'since start while there is no checkpoint');
    assert.equal(await value('tbptt_ready'), 0);
    c.checkpointWritten();
    t += 2_500;
    ready = true;
    assert.equal(await value('tbptt_checkpoint_age_seconds'), 2.5);
    assert.equal(await value('tbptt_checkpoints_total'), 1);
    assert.equal(await value('tbptt_ready'), 1);
  });

  it('does not export a checkpoint age when checkpoints are disabled', async () => {
    const registry = new Registry();
    createMetricCatalog(registry, { ...OPTIONS, checkpointsEnabled: false, defaultMetrics: false });
    assert.doesNotMatch(await registry.metrics(), /tbptt_checkpoint_age_seconds/);
  });

  it('keeps one engine_info series, the current engine', async () => {
    const registry = new Registry();
    const c = createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false });
    c.setEngine('ts', 'cpu');
    c.setEngine('tfjs-node', 'tensorflow');
    const s = samples(await registry.metrics()).filter((x) => x.name === 'tbptt_engine_info');
    assert.deepEqual(s, [{ name: 'tbptt_engine_info', labels: { engine: 'tfjs-node', backend: 'tensorflow' }, value: 1 }]);
  });

  it('exports an unbounded bias as +Inf', async () => {
    const registry = new Registry();
    const c = createMetricCatalog(registry, { ...OPTIONS, defaultMetrics: false });
    c.relativeBiasEstimate.set(Infinity);
    assert.match(await registry.metrics(), /^tbptt_relative_bias_estimate \+Inf$/m);
  });
});
