import type { ExperimentMethod } from '../experiment-method';
import type { TrialResult } from '../trial-record';

/** Mean and sample standard deviation (0 for one value; NaN for none). */
export interface MeanStd {
  readonly mean: number;
  readonly std: number;
  readonly n: number;
}

export function meanStd(xs: readonly number[]): MeanStd {
  const n = xs.length;
  if (n === 0) return { mean: NaN, std: NaN, n };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const v = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { mean, std: Math.sqrt(v), n };
}

/** One method's results over its seeds. */
export interface MethodSummary {
  readonly method: ExperimentMethod;
  readonly runs: number;
  /** Best validation metric and the test metric at that epoch. */
  readonly valid: MeanStd;
  readonly test: MeanStd;
  /** Training seconds of the whole run (all epochs), and to the best-validation epoch. */
  readonly trainSeconds: MeanStd;
  readonly secondsToBest: MeanStd;
  /** K at the end of the runs; min and max K seen over all diagnostics of all seeds. */
  readonly finalK: MeanStd;
  readonly minK: number;
  readonly maxK: number;
  /** δ̂ at K at the end of the runs (median over seeds; Infinity when unbounded). */
  readonly finalRelBias: number;
  /** Share of training time spent in diagnostics. */
  readonly diagnosticShare: number;
}

/** Summaries in method order; methods without finished runs are included with n = 0. */
export function summarizeMethods(methods: readonly ExperimentMethod[], results: readonly TrialResult[]): MethodSummary[] {
  return methods.map((method) => {
    const rs = results.filter((r) => r.method.label === method.label);
    const last = rs.map((r) => r.epochs[r.epochs.length - 1]);
    const ks = rs.flatMap((r) => [r.epochs[0].k, ...r.diagnostics.map((d) => d.k)]);
    const rel = last.map((e) => e.relBias).filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    const train = last.reduce((a, e) => a + e.trainSeconds, 0);
    const diag = last.reduce((a, e) => a + e.diagnosticSeconds, 0);
    return {
      method,
      runs: rs.length,
      valid: meanStd(rs.map((r) => r.best.validMetric)),
      test: meanStd(rs.map((r) => r.best.testMetric)),
      trainSeconds: meanStd(last.map((e) => e.trainSeconds)),
      secondsToBest: meanStd(rs.map((r) => r.epochs[r.best.epoch].trainSeconds)),
      finalK: meanStd(last.map((e) => e.k)),
      minK: ks.length ? Math.min(...ks) : NaN,
      maxK: ks.length ? Math.max(...ks) : NaN,
      finalRelBias: rel.length ? rel[Math.floor((rel.length - 1) / 2)] : NaN,
      diagnosticShare: train > 0 ? diag / train : NaN,
    };
  });
}
