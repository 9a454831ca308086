import type { ExperimentPlan } from '../experiment-plan';
import type { TrialResult } from '../trial-record';
import { summarizeMethods, type MeanStd } from './method-summary';

function ms(x: MeanStd, digits: number): string {
  if (x.n === 0 || !Number.isFinite(x.mean)) return '–';
  return x.n > 1 ? `${x.mean.toFixed(digits)} (${x.std.toFixed(digits)})` : x.mean.toFixed(digits);
}

function num(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : x === Infinity ? '∞' : '–';
}

/**
 * The markdown report: the profile, the results table (mean (std) over seeds of the best validation
 * metric and the test metric at that epoch, next to the paper's), K and δ̂ of the adaptive runs, times,
 * and every run's best epoch.
 */
export function experimentReport(plan: ExperimentPlan, engine: string, results: readonly TrialResult[],
  status: { readonly done: number; readonly total: number; readonly wallSeconds: number }): string {
  const unit = plan.config.metric === 'perplexity' ? 'PPL' : 'BPC';
  const digits = plan.config.metric === 'perplexity' ? 3 : 4;
  const rows = summarizeMethods(plan.methods, results);
  const lines: string[] = [];
  lines.push(`# ${plan.title} — ${plan.profile} profile`, '');
  lines.push(`Runs finished: ${status.done} of ${status.total}; wall-clock ${(status.wallSeconds / 60).toFixed(1)} min; engine ${engine}.`, '');
  lines.push('## Profile', '');
  for (const n of plan.profileNotes) lines.push(`- ${n}`);
  lines.push('', '## Results', '');
  lines.push(`Mean (std) over seeds; test ${unit} at the best-validation epoch.` +
    (plan.paper ? ' Paper: mean over 9 initialisations (method.md section 4).' : ''), '');
  const paperCols = plan.paper ? ` paper valid ${unit} | paper test ${unit} |` : '';
  lines.push(`| method | runs | valid ${unit} | test ${unit} |${paperCols} best epoch | train s (all epochs) | train s to best | K at end | K range | δ̂ at K (end) | diagnostics % |`);
  lines.push(`|---|--:|--:|--:|${plan.paper ? '--:|--:|' : ''}--:|--:|--:|--:|--:|--:|--:|`);
  for (const r of rows) {
    const paper = plan.paper?.get(r.method.label);
    const bestEpochs = results.filter((x) => x.method.label === r.method.label).map((x) => x.best.epoch).join(', ');
    lines.push(`| ${r.method.label} | ${r.runs} | ${ms(r.valid, digits)} | ${ms(r.test, digits)} |` +
      (plan.paper ? ` ${paper ? paper.valid : '–'} | ${paper ? paper.test : '–'} |` : '') +
      ` ${bestEpochs || '–'} | ${ms(r.trainSeconds, 0)} | ${ms(r.secondsToBest, 0)} | ${ms(r.finalK, 1)} |` +
      ` ${Number.isFinite(r.minK) ? `${r.minK}–${r.maxK}` : '–'} | ${num(r.finalRelBias, 3)} | ${num(100 * r.diagnosticShare, 1)} |`);
  }
  lines.push('', `"K range" is over every diagnostic of every seed; "δ̂ at K" is the median over seeds of the last`,
    'diagnostic\'s estimated relative bias at the K in force (fixed K: the bias of that K).', '');
  lines.push('## Plots', '');
  lines.push('- `valid-vs-epoch.svg`, `valid-vs-seconds.svg`: validation metric per method (mean over seeds).');
  lines.push('- `k-over-time.svg`, `bias-over-time.svg`: K and δ̂(K) of the adaptive methods at each diagnostic.');
  lines.push('- `runs/*.csv`: one row per epoch (and per diagnostic) of every run.', '');
  lines.push('## Runs', '');
  lines.push(`| method | seed | best epoch | valid ${unit} | test ${unit} | train s | K at end |`);
  lines.push('|---|--:|--:|--:|--:|--:|--:|');
  for (const r of results) {
    const last = r.epochs[r.epochs.length - 1];
    lines.push(`| ${r.method.label} | ${r.seed} | ${r.best.epoch} | ${num(r.best.validMetric, digits)} | ${num(r.best.testMetric, digits)} |` +
      ` ${num(last.trainSeconds, 0)} | ${last.k} |`);
  }
  return lines.join('\n') + '\n';
}
