// The Grafana dashboards: the committed JSON is what src/telemetry/dashboards/ generates; its structure
// follows Grafana's dashboard model rules that can be checked offline; every metric and label it names
// exists in the catalog.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { dashboardJson, dashboards } from '../../src/telemetry/dashboards/write-dashboards';
import { repoRoot } from '../support/repo-paths';
import { checkMetricNames, catalogMetrics } from './catalog-names';

const DIR = join(repoRoot(), 'grafana', 'dashboards');

/** The committed dashboards, parsed (not the generator's objects: what Grafana will load). */
function committed(): [string, Record<string, unknown>][] {
  return readdirSync(DIR).filter((f) => f.endsWith('.json')).sort().map((f) => [f, JSON.parse(readFileSync(join(DIR, f), 'utf8'))]);
}

/** Grafana unit ids used by our panels (a subset of Grafana's valueFormats registry). */
const GRAFANA_UNITS = new Set(['none', 'short', 'percent', 'percentunit', 's', 'ms', 'bytes', 'reqps', 'ops', 'dtdurations']);
const PANEL_TYPES = new Set(['row', 'timeseries', 'stat', 'bargauge', 'gauge', 'table', 'text', 'barchart', 'heatmap']);

interface Grid { x: number; y: number; w: number; h: number }

describe('grafana dashboards', () => {
  it('the committed JSON is the generated JSON (regenerate: node dist/src/telemetry/dashboards/write-dashboards.js)', () => {
    const files = committed().map(([f]) => f);
    assert.deepEqual(files, [...dashboards().keys()].sort());
    for (const [file, d] of dashboards()) assert.equal(readFileSync(join(DIR, file), 'utf8'), dashboardJson(d), file);
  });

  for (const [file, d] of committed()) {
    describe(file, () => {
      const panels = d.panels as Record<string, unknown>[];
      const queryPanels = panels.filter((p) => p.type !== 'row');

      it('has the required dashboard fields', () => {
        assert.equal(typeof d.title, 'string');
        assert.ok((d.title as string).length > 0);
        assert.match(d.uid as string, /^[a-zA-Z0-9_-]{1,40}$/);
        assert.ok(Number.isInteger(d.schemaVersion) && (d.schemaVersion as number) >= 36, 'schemaVersion ≥ 36 (object datasource refs)');
        assert.ok(Array.isArray(d.panels) && panels.length > 0);
        assert.equal(d.id ?? null, null, 'no database id in a provisioned dashboard');
        assert.ok(typeof d.time === 'object' && d.time !== null);
      });

      it('declares a Prometheus datasource variable and every variable it uses', () => {
        const vars = (d.templating as { list: Record<string, unknown>[] }).list;
        const ds = vars.find((v) => v.name === 'datasource');
        assert.ok(ds, 'a variable named datasource');
        assert.equal(ds.type, 'datasource');
        assert.equal(ds.query, 'prometheus');
        assert.equal(new Set(vars.map((v) => v.name)).size, vars.length, 'variable names unique');
        const names = new Set(vars.map((v) => v.name as string));
        const text = JSON.stringify(d.panels) + JSON.stringify(vars.filter((v) => v.type !== 'datasource'));
        for (const m of text.matchAll(/\$\{?([a-zA-Z_]\w*)\}?/g)) {
          if (m[1].startsWith('__')) continue; // Grafana's built-ins ($__rate_interval …)
          assert.ok(names.has(m[1]), `uses $${m[1]}, which is not a template variable`);
        }
      });

      it('panels have unique ids, a known type, a title and a grid position inside the 24 columns', () => {
        const ids = panels.map((p) => p.id);
        assert.ok(ids.every((id) => Number.isInteger(id) && (id as number) > 0));
        assert.equal(new Set(ids).size, ids.length, 'panel ids unique');
        for (const p of panels) {
          assert.ok(PANEL_TYPES.has(p.type as string), `panel ${p.id} type ${p.type}`);
          assert.ok(typeof p.title === 'string' && p.title.length > 0, `panel ${p.id} title`);
          const g = p.gridPos as Grid;
          for (const k of ['x', 'y', 'w', 'h'] as const) assert.ok(Number.isInteger(g[k]) && g[k] >= 0, `panel ${p.id} gridPos.${k}`);
          assert.ok(g.w >= 1 && g.h >= 1 && g.x + g.w <= 24, `panel ${p.id} gridPos ${JSON.stringify(g)}`);
          if (p.type === 'row') {
            assert.deepEqual([g.x, g.w, g.h], [0, 24, 1], 'rows span the width, one unit high');
            assert.equal(p.collapsed, false);
            assert.deepEqual(p.panels, []);
          }
        }
      });

      it('no two panels overlap', () => {
        const boxes = panels.map((p) => [p.id, p.gridPos as Grid] as const);
        for (let i = 0; i < boxes.length; i++) {
          for (let j = i + 1; j < boxes.length; j++) {
            const [ia, a] = boxes[i];
            const [ib, b] = boxes[j];
            const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
            assert.ok(!overlap, `panels ${ia} ${JSON.stringify(a)} and ${ib} ${JSON.stringify(b)} overlap`);
          }
        }
      });

      it('every query panel queries Prometheus through ${datasource}, with refIds, exprs and a known unit', () => {
        for (const p of queryPanels) {
          assert.deepEqual(p.datasource, { type: 'prometheus', uid: '${datasource}' }, `panel ${p.id} datasource`);
          const targets = p.targets as Record<string, unknown>[];
          assert.ok(Array.isArray(targets) && targets.length > 0, `panel ${p.id} has targets`);
          assert.equal(new Set(targets.map((t) => t.refId)).size, targets.length, `panel ${p.id} refIds unique`);
          for (const t of targets) {
            assert.match(t.refId as string, /^[A-Z]$/);
            assert.deepEqual(t.datasource, { type: 'prometheus', uid: '${datasource}' }, `panel ${p.id} target ${t.refId} datasource`);
            assert.ok(typeof t.expr === 'string' && t.expr.trim().length > 0, `panel ${p.id} target ${t.refId} expr`);
          }
          const unit = (p.fieldConfig as { defaults: { unit: string } }).defaults.unit;
          assert.ok(GRAFANA_UNITS.has(unit), `panel ${p.id} unit ${unit}`);
        }
      });

      it('has the panels the issue asks for', () => {
        const exprs = queryPanels.map((p) => `${p.title} :: ${(p.targets as { expr: string }[]).map((t) => t.expr).join(' ; ')}`);
        const find = (...needles: string[]) => exprs.some((e) => needles.every((n) => e.includes(n)));
        assert.ok(find('tbptt_records_consumed_total', 'tbptt_timesteps_trained_total', 'tbptt_windows_total'), 'throughput');
        assert.ok(find('tbptt_consumer_lag'), 'consumer lag');
        assert.ok(find('tbptt_loss{', 'histogram_quantile', 'tbptt_window_loss_bucket'), 'loss: EMA and quantiles');
        assert.ok(find('tbptt_truncation_length'), 'K over time');
        assert.ok(find('tbptt_relative_bias_estimate', 'tbptt_relative_bias_target'), 'δ̂ against δ');
        assert.ok(find('tbptt_gradient_decay_rate'), 'β̂');
        assert.ok(find('tbptt_gradient_norm_by_lag'), 'decay curve');
        assert.ok(find('tbptt_diagnostic_duration_seconds_sum', '/', 'tbptt_window_duration_seconds_sum'), 'diagnostic cost fraction');
        assert.ok(find('tbptt_dead_letters_total', 'reason'), 'dead letters by reason');
        assert.ok(find('tbptt_errors_total'), 'errors');
        assert.ok(find('tbptt_updates_skipped_total'), 'skipped updates');
        assert.ok(find('tbptt_checkpoint_age_seconds'), 'checkpoint age');
        assert.ok(find('tbptt_engine_info'), 'engine');
        assert.ok(find('tbptt_active_keys'), 'active keys');
        assert.ok(find('tbptt_buffered_steps') && find('tbptt_paused_partitions'), 'backpressure');
        const decay = queryPanels.find((p) => (p.targets as { expr: string }[]).some((t) => t.expr.includes('tbptt_gradient_norm_by_lag')))!;
        assert.equal((decay.fieldConfig as { defaults: { custom: { scaleDistribution: { type: string } } } }).defaults.custom.scaleDistribution.type, 'log', 'decay curve on a log scale');
      });

      it('names only metrics and labels of the catalog', async () => {
        const catalog = await catalogMetrics(new Registry());
        for (const p of queryPanels) {
          for (const t of p.targets as { expr: string }[]) checkMetricNames(t.expr, catalog, `${file} panel "${p.title}"`);
        }
        const vars = (d.templating as { list: Record<string, unknown>[] }).list.filter((v) => v.type === 'query');
        for (const v of vars) checkMetricNames((v.definition as string).replace(/^label_values\((\w+),\s*(\w+)\)$/, '$1{$2=""}'), catalog, `variable ${v.name}`);
      });
    });
  }

  it('provisioning: a Prometheus datasource and a file provider for the dashboards', () => {
    const root = join(repoRoot(), 'grafana', 'provisioning');
    const ds = parse(readFileSync(join(root, 'datasources', 'prometheus.yml'), 'utf8'));
    assert.equal(ds.apiVersion, 1);
    assert.equal(ds.datasources.length, 1);
    assert.equal(ds.datasources[0].type, 'prometheus');
    assert.equal(ds.datasources[0].isDefault, true);
    assert.match(ds.datasources[0].url, /^http:\/\/prometheus:9090$/);
    const dp = parse(readFileSync(join(root, 'dashboards', 'tbptt.yml'), 'utf8'));
    assert.equal(dp.apiVersion, 1);
    assert.equal(dp.providers[0].type, 'file');
    assert.equal(typeof dp.providers[0].options.path, 'string');
  });
});
