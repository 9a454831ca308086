// Checks PromQL expressions against the metric catalog (test helper shared by the dashboard, alert and
// integration tests).
import assert from 'node:assert/strict';
import type { Registry } from 'prom-client';
import { createMetricCatalog } from '../../src/telemetry/metric-catalog';
import { promqlNames } from './promql';

/** Metric name → its type and label names, for every metric the service exports (catalog + default metrics). */
export type CatalogMetrics = ReadonlyMap<string, { type: string; labels: readonly string[] }>;

/** Labels Prometheus adds to every scraped series. */
const TARGET_LABELS = ['job', 'instance'];

/** Builds the catalog on `registry` (checkpoints enabled, default metrics on) and lists what it exports. */
export async function catalogMetrics(registry: Registry): Promise<CatalogMetrics> {
  createMetricCatalog(registry, {
    diagnosticWindow: 100, inputTopics: ['in'], checkpointsEnabled: true, checkpointIntervalSeconds: 60, relativeBiasTarget: 0.1,
  });
  const out = new Map<string, { type: string; labels: readonly string[] }>();
  for (const m of await registry.getMetricsAsJSON()) {
    const declared = (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [];
    const seen = m.values.flatMap((v) => Object.keys(v.labels));
    const labels = [...new Set([...declared, ...seen])].filter((l) => l !== 'le');
    out.set(m.name, { type: String(m.type), labels });
    if (String(m.type) === 'histogram') {
      out.set(`${m.name}_bucket`, { type: 'counter', labels: [...labels, 'le'] });
      out.set(`${m.name}_sum`, { type: 'counter', labels });
      out.set(`${m.name}_count`, { type: 'counter', labels });
    }
  }
  return out;
}

/** Asserts that `expr` names only catalog metrics, matches only their labels, and groups only by known labels. */
export function checkMetricNames(expr: string, catalog: CatalogMetrics, where: string): void {
  const { selectors, groupingLabels } = promqlNames(expr);
  assert.ok(selectors.length > 0, `${where}: no metric in ${expr}`);
  const known = new Set<string>(TARGET_LABELS);
  for (const s of selectors) {
    const m = catalog.get(s.metric);
    assert.ok(m, `${where}: ${s.metric} is not in the metric catalog (${expr})`);
    for (const l of s.matcherLabels) assert.ok(m.labels.includes(l) || TARGET_LABELS.includes(l), `${where}: ${s.metric} has no label ${l}`);
    for (const l of m.labels) known.add(l);
    if (s.metric.endsWith('_bucket')) known.add('le');
  }
  for (const l of groupingLabels) assert.ok(known.has(l), `${where}: groups by ${l}, which none of its metrics has (${expr})`);
}
