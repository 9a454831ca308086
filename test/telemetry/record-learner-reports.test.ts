import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { createMetricCatalog } from '../../src/telemetry/metric-catalog';
import { recordDiagnostic, recordInsufficientHistory, recordWindow } from '../../src/telemetry/record-learner-reports';

async function values(registry: Registry): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const m of await registry.getMetricsAsJSON()) {
    for (const v of m.values) {
      const labels = Object.entries(v.labels).map(([k, x]) => `${k}=${x}`).join(',');
      out.set(`${(v as { metricName?: string }).metricName ?? m.name}${labels ? `{${labels}}` : ''}`, v.value);
    }
  }
  return out;
}

function setup() {
  const registry = new Registry();
  const metrics = createMetricCatalog(registry, {
    diagnosticWindow: 10, inputTopics: ['in'], checkpointsEnabled: false, checkpointIntervalSeconds: 0, relativeBiasTarget: 0.1, defaultMetrics: false,
  });
  return { registry, metrics };
}

describe('recording learner reports', () => {
  it('a window counts its new steps over all streams, its duration and loss; a skipped one its reason', async () => {
    const { registry, metrics } = setup();
    const outcome = { key: 'a', output: new Float32Array(2), loss: 1 };
    recordWindow(metrics, { outcomes: Array(4 * 15).fill(outcome), loss: 0.7, k: 15 }, 0.02);
    recordWindow(metrics, { outcomes: Array(4 * 15).fill(outcome), loss: NaN, k: 15, skipped: 'non-finite' }, 0.03);
    const v = await values(registry);
    assert.equal(v.get('tbptt_windows_total'), 2);
    assert.equal(v.get('tbptt_timesteps_trained_total'), 120);
    assert.equal(v.get('tbptt_truncation_length'), 15);
    assert.equal(v.get('tbptt_window_duration_seconds_count'), 2);
    assert.ok(Math.abs(v.get('tbptt_window_duration_seconds_sum')! - 0.05) < 1e-12);
    assert.equal(v.get('tbptt_window_loss_count'), 1, 'a non-finite loss is not observed');
    assert.equal(v.get('tbptt_updates_skipped_total{reason=non-finite}'), 1);
    assert.equal(v.get('tbptt_updates_skipped_total{reason=gradient-too-large}'), 0);
  });

  it('a diagnostic sets K, K̂, δ̂, β̂ = exp(log β̂), the lag norms, and counts a change of K and a failure', async () => {
    const { registry, metrics } = setup();
    const meanLagNorms = Float64Array.from({ length: 10 }, (_, j) => 0.5 ** j);
    recordDiagnostic(metrics, { previousK: 15, k: 22, kHat: 24, logBeta: Math.log(0.8), relBias: 0.09, failure: null, durationSeconds: 0.4, streams: 8, meanLagNorms });
    recordDiagnostic(metrics, { previousK: 22, k: 22, kHat: 10, logBeta: 0.1, relBias: Infinity, failure: 'beta-ge-1', durationSeconds: 0.5, streams: 8, meanLagNorms });
    recordInsufficientHistory(metrics);
    const v = await values(registry);
    assert.equal(v.get('tbptt_diagnostics_total'), 3);
    assert.equal(v.get('tbptt_truncation_changes_total'), 1);
    assert.equal(v.get('tbptt_truncation_length'), 22);
    assert.equal(v.get('tbptt_truncation_estimate'), 10);
    assert.equal(v.get('tbptt_relative_bias_estimate'), Infinity);
    assert.ok(Math.abs(v.get('tbptt_gradient_decay_rate')! - Math.exp(0.1)) < 1e-12);
    assert.equal(v.get('tbptt_decay_estimate_failures_total{reason=beta-ge-1}'), 1);
    assert.equal(v.get('tbptt_decay_estimate_failures_total{reason=insufficient-history}'), 1);
    assert.equal(v.get('tbptt_gradient_norm_by_lag{lag=8}'), 0.5 ** 8);
    assert.equal(v.get('tbptt_diagnostic_duration_seconds_count'), 2);
  });
});
