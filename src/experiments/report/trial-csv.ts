import type { TrialResult } from '../trial-record';

/** A CSV field: numbers as plain decimals (Infinity/NaN spelled out), text quoted when needed. */
function field(v: number | string): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(Number(v.toPrecision(8))) : String(v);
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Rows of fields → CSV text with a header line. */
export function toCsv(header: readonly string[], rows: ReadonlyArray<ReadonlyArray<number | string>>): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** One row per epoch of a run. */
export function epochCsv(r: TrialResult): string {
  return toCsv(
    ['method', 'seed', 'epoch', 'train_loss', 'valid_loss', 'valid_metric', 'train_seconds', 'total_seconds',
      'diagnostic_seconds', 'k', 'rel_bias', 'log_beta', 'windows', 'skipped_updates'],
    r.epochs.map((e) => [r.method.label, r.seed, e.epoch, e.trainLoss, e.validLoss, e.validMetric, e.trainSeconds,
      e.totalSeconds, e.diagnosticSeconds, e.k, e.relBias, e.logBeta, e.windows, e.skippedUpdates]),
  );
}

/** One row per diagnostic of a run. */
export function diagnosticCsv(r: TrialResult): string {
  return toCsv(
    ['method', 'seed', 'epochs', 'train_seconds', 'previous_k', 'k', 'k_hat', 'rel_bias', 'log_beta', 'duration_seconds'],
    r.diagnostics.map((d) => [r.method.label, r.seed, d.epochs, d.trainSeconds, d.previousK, d.k, d.kHat, d.relBias,
      d.logBeta, d.durationSeconds]),
  );
}
