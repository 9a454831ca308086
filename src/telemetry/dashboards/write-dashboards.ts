import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Dashboard } from './dashboard-model';
import { tbpttDashboard } from './tbptt-dashboard';

/** Every dashboard the project ships, by file name under grafana/dashboards/. */
export function dashboards(): ReadonlyMap<string, Dashboard> {
  return new Map([['tbptt-stream.json', tbpttDashboard()]]);
}

/** The committed form of a dashboard: two-space JSON with a final newline. */
export function dashboardJson(d: Dashboard): string {
  return `${JSON.stringify(d, null, 2)}\n`;
}

/** Writes every dashboard into `dir` (created if missing); returns the paths written. */
export function writeDashboards(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return [...dashboards()].map(([file, d]) => {
    const path = join(dir, file);
    writeFileSync(path, dashboardJson(d));
    return path;
  });
}

/** `node dist/src/telemetry/dashboards/write-dashboards.js` regenerates grafana/dashboards/*.json. */
if (require.main === module) {
  let root = __dirname;
  while (!existsSync(join(root, 'package.json'))) root = dirname(root);
  for (const path of writeDashboards(join(root, 'grafana', 'dashboards'))) console.log(`wrote ${path}`);
}
