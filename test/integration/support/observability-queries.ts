// Every PromQL expression the project ships (dashboard panels, dashboard variables, alert rules), in the
// form that is checked against a real Prometheus: Grafana variables substituted, and comparisons turned into
// `bool` comparisons so that "returns at least one series" means "the data it needs exists".
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { dashboards } from '../../../src/telemetry/dashboards/write-dashboards';
import { substituteGrafanaVariables, withBoolComparisons } from '../../telemetry/promql';
import { repoRoot } from '../../support/repo-paths';

export interface ShippedQuery {
  /** Where it comes from, for messages. */
  readonly where: string;
  /** The expression as shipped. */
  readonly original: string;
  /** What to run against Prometheus. */
  readonly expr: string;
  /** The shipped form is PromQL (after substituting Grafana variables); false for Grafana's label_values(). */
  readonly originalIsPromql: boolean;
}

/** Path of the alert rules file. */
export const ALERTS_FILE = join(repoRoot(), 'deploy', 'prometheus', 'alerts.yml');

/** Every dashboard and alert expression. `rateInterval` stands in for Grafana's $__rate_interval. */
export function shippedQueries(rateInterval = '1m'): ShippedQuery[] {
  const out: ShippedQuery[] = [];
  for (const [file, d] of dashboards()) {
    for (const p of d.panels) {
      if (p.type === 'row') continue;
      for (const t of p.targets) out.push({ where: `${file} panel "${p.title}" ${t.refId}`, original: t.expr, expr: substituteGrafanaVariables(t.expr, rateInterval), originalIsPromql: true });
    }
    for (const v of d.templating.list) {
      if (v.type !== 'query') continue;
      const m = /^label_values\((\w+),\s*(\w+)\)$/.exec(v.definition);
      if (!m) throw new Error(`${file} variable ${v.name}: unsupported query ${v.definition}`);
      out.push({ where: `${file} variable ${v.name}`, original: v.definition, expr: `${m[1]}{${m[2]}!=""}`, originalIsPromql: false });
    }
  }
  const alerts = parse(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
  for (const r of alerts.groups.flatMap((g) => g.rules)) out.push({ where: `alert ${r.alert}`, original: r.expr, expr: withBoolComparisons(r.expr), originalIsPromql: true });
  return out;
}
