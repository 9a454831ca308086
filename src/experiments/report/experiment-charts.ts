import type { ExperimentMethod } from '../experiment-method';
import type { TrialConfig } from '../trial-config';
import type { TrialResult } from '../trial-record';
import { svgLineChart, type ChartSeries } from './svg-line-chart';

/** File name → SVG text. */
export type ChartFiles = Map<string, string>;

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per index i, the mean over runs of f(run, i), up to the shortest run. */
function meanCurve(runs: readonly TrialResult[], len: (r: TrialResult) => number,
  f: (r: TrialResult, i: number) => readonly [number, number]): Array<[number, number]> {
  const n = Math.min(...runs.map(len));
  const out: Array<[number, number]> = [];
  for (let i = 0; i < n; i++) {
    const pts = runs.map((r) => f(r, i));
    out.push([mean(pts.map((p) => p[0])), mean(pts.map((p) => p[1]))]);
  }
  return out;
}

/**
 * The experiment's plots, one line per method (mean over its seeds): validation metric against epochs
 * and against training seconds; for adaptive methods, K and δ̂ at K against training epochs.
 */
export function experimentCharts(title: string, metric: TrialConfig['metric'], methods: readonly ExperimentMethod[],
  results: readonly TrialResult[]): ChartFiles {
  const metricName = metric === 'perplexity' ? 'validation perplexity' : 'validation bits per character';
  const byMethod = methods.map((m) => ({ m, runs: results.filter((r) => r.method.label === m.label) }))
    .filter((g) => g.runs.length > 0);
  const validSeries = (x: 'epoch' | 'seconds'): ChartSeries[] => byMethod.map(({ m, runs }) => ({
    name: m.label,
    points: meanCurve(runs, (r) => r.epochs.length, (r, i) =>
      [x === 'epoch' ? r.epochs[i].epoch : r.epochs[i].trainSeconds, r.epochs[i].validMetric]),
  }));
  const adaptive = byMethod.filter((g) => g.m.kind === 'adaptive');
  const diagSeries = (y: 'k' | 'relBias'): ChartSeries[] => adaptive.map(({ m, runs }) => ({
    name: m.label,
    points: [
      ...(y === 'k' && m.kind === 'adaptive' ? [[0, m.k0] as [number, number]] : []),
      ...meanCurve(runs, (r) => r.diagnostics.length, (r, i) => [r.diagnostics[i].epochs, r.diagnostics[i][y]]),
      // K holds until the end of training.
      ...(y === 'k' ? [[mean(runs.map((r) => r.epochs.length - 1)), mean(runs.map((r) => r.epochs[r.epochs.length - 1].k))] as [number, number]] : []),
    ],
  }));
  const files: ChartFiles = new Map();
  files.set('valid-vs-epoch.svg', svgLineChart({ title: `${title}: ${metricName}`, xLabel: 'epoch', yLabel: metricName,
    series: validSeries('epoch') }));
  files.set('valid-vs-seconds.svg', svgLineChart({ title: `${title}: ${metricName} against training time`,
    xLabel: 'training wall-clock seconds', yLabel: metricName, series: validSeries('seconds') }));
  if (adaptive.length > 0) {
    files.set('k-over-time.svg', svgLineChart({ title: `${title}: adaptive K`, xLabel: 'epochs trained',
      yLabel: 'truncation K', series: diagSeries('k'), step: true }));
    files.set('bias-over-time.svg', svgLineChart({ title: `${title}: estimated relative bias δ̂ at K`,
      xLabel: 'epochs trained', yLabel: 'δ̂(K)', series: diagSeries('relBias'), yLog: true }));
  }
  return files;
}
