import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExperimentPlan } from './experiment-plan';
import { methodSlug } from './experiment-method';
import { experimentCharts } from './report/experiment-charts';
import { experimentReport } from './report/experiment-report';
import { diagnosticCsv, epochCsv } from './report/trial-csv';
import type { TrialResult } from './trial-record';

/** What an experiment wrote. */
export interface ExperimentOutcome {
  readonly outDir: string;
  readonly engine: string;
  readonly results: TrialResult[];
  /** Paths of the written files, relative to outDir. */
  readonly files: string[];
}

/**
 * (Re)writes an experiment's outputs into `outDir`: runs/<method>-seed<N>.csv and -diagnostics.csv per
 * run, the SVG plots, report.md and results.json (non-finite numbers as strings).
 */
export function writeExperimentOutputs(plan: ExperimentPlan, engine: string, results: TrialResult[], outDir: string,
  status: { readonly done: number; readonly total: number; readonly wallSeconds: number }): ExperimentOutcome {
  mkdirSync(join(outDir, 'runs'), { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string): void => {
    writeFileSync(join(outDir, name), text);
    files.push(name);
  };
  for (const r of results) {
    const base = `runs/${methodSlug(r.method)}-seed${r.seed}`;
    write(`${base}.csv`, epochCsv(r));
    write(`${base}-diagnostics.csv`, diagnosticCsv(r));
  }
  for (const [name, svg] of experimentCharts(plan.title, plan.config.metric, plan.methods, results)) write(name, svg);
  write('report.md', experimentReport(plan, engine, results, status));
  write('results.json', JSON.stringify({ name: plan.name, profile: plan.profile, engine, profileNotes: plan.profileNotes,
    config: plan.config, results }, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 1));
  return { outDir, engine, results, files: files.sort() };
}
