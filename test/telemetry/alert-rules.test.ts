// Prometheus configuration and alert rules: promtool validates them and runs the rules' unit tests
// (skipped only where promtool is not installed; CI installs it), every metric and label they name is in
// the catalog, and the rules the issue asks for are there.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { parse } from 'yaml';
import { repoRoot } from '../support/repo-paths';
import { catalogMetrics, checkMetricNames } from './catalog-names';

const DIR = join(repoRoot(), 'deploy', 'prometheus');
const promtool = spawnSync('promtool', ['--version']).status === 0;
const skip = promtool ? false : 'promtool is not installed (scripts/setup/20-debian.sh installs it)';

function run(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

interface Rule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }
const rules = (): Rule[] => (parse(readFileSync(join(DIR, 'alerts.yml'), 'utf8')) as { groups: { rules: Rule[] }[] }).groups.flatMap((g) => g.rules);

/** Duration text (e.g. 15m, 1h30m) in seconds. */
function seconds(d: string | undefined): number {
  let total = 0;
  for (const [, n, u] of (d ?? '0s').matchAll(/(\d+)(ms|s|m|h|d)/g)) total += Number(n) * { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 }[u as 'ms']!;
  return total;
}

describe('prometheus config and alert rules', () => {
  it('promtool check config accepts prometheus.yml (and the rule files it loads)', { skip }, () => {
    const r = run('check', 'config', 'prometheus.yml');
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /1 rule files found/);
  });

  it('promtool check rules accepts alerts.yml', { skip }, () => {
    const r = run('check', 'rules', 'alerts.yml');
    assert.equal(r.status, 0, r.out);
  });

  it('the rules fire on the cases in alerts.test.yml and stay quiet on the near misses (promtool test rules)', { skip }, () => {
    const r = run('test', 'rules', 'alerts.test.yml');
    assert.equal(r.status, 0, r.out);
    const tested = new Set([...readFileSync(join(DIR, 'alerts.test.yml'), 'utf8').matchAll(/alertname: (\w+)/g)].map((m) => m[1]));
    for (const rule of rules()) assert.ok(tested.has(rule.alert), `${rule.alert} has no unit test in alerts.test.yml`);
  });

  it('prometheus.yml scrapes the service on its default metrics port and loads alerts.yml', () => {
    const cfg = parse(readFileSync(join(DIR, 'prometheus.yml'), 'utf8'));
    assert.deepEqual(cfg.rule_files, ['alerts.yml']);
    const job = cfg.scrape_configs.find((j: { job_name: string }) => j.job_name === 'tbptt-stream');
    assert.equal(job.metrics_path, '/metrics');
    assert.deepEqual(job.static_configs[0].targets, ['tbptt-stream:9464']);
  });

  it('the rules name only metrics and labels of the catalog', async () => {
    const catalog = await catalogMetrics(new Registry());
    for (const r of rules()) checkMetricNames(r.expr, catalog, `alert ${r.alert}`);
  });

  it('has the alerts the issue asks for, with their durations', () => {
    const all = rules();
    const find = (...needles: string[]) => all.find((r) => needles.every((n) => r.expr.includes(n)));
    const bias = find('tbptt_relative_bias_estimate', '>', 'tbptt_relative_bias_target');
    assert.ok(bias && seconds(bias.for) >= 15 * 60, 'bias above target for ≥ 15m');
    const beta = find('increase(tbptt_decay_estimate_failures_total{reason="beta-ge-1"}[30m])', '> 3');
    assert.ok(beta, 'β̂ ≥ 1 more than 3 times in 30m');
    const progress = find('tbptt_timesteps_trained_total', '== 0', 'tbptt_records_consumed_total', 'tbptt_consumer_lag');
    assert.ok(progress && seconds(progress.for) >= 10 * 60, 'no training progress for 10m while records arrive or lag > 0');
    const lag = find('deriv(tbptt_consumer_lag', '> 0');
    assert.ok(lag && seconds(lag.for) >= 15 * 60, 'consumer lag growing for 15m');
    assert.ok(find('tbptt_checkpoint_age_seconds', '3 * tbptt_checkpoint_interval_seconds'), 'checkpoints stale');
    for (const r of all) {
      assert.ok(['warning', 'critical'].includes(r.labels?.severity ?? ''), `${r.alert} severity`);
      assert.ok(r.annotations?.summary && r.annotations.description, `${r.alert} summary and description`);
    }
  });
});
