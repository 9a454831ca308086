import type { WindowReport } from '../learner/online/online-learner';
import type { DiagnosticReport } from '../learner/online/truncation-controller';
import type { MetricCatalog } from './metric-catalog';

/**
 * Updates the training metrics after one training window: windows, steps trained (the window's new steps,
 * summed over its streams), duration, window loss, K, and the skip reason when the update was skipped.
 *
 * @param durationSeconds wall time of the window (forward, backward, update), in seconds.
 */
export function recordWindow(
  metrics: MetricCatalog,
  report: Pick<WindowReport, 'outcomes' | 'loss' | 'k' | 'skipped'>,
  durationSeconds: number,
): void {
  metrics.windows.inc();
  metrics.timestepsTrained.inc(report.outcomes.length);
  metrics.windowDuration.observe(durationSeconds);
  if (Number.isFinite(report.loss)) metrics.windowLoss.observe(report.loss);
  metrics.truncationLength.set(report.k);
  if (report.skipped) metrics.updatesSkipped.inc({ reason: report.skipped });
}

/**
 * Updates the truncation metrics after one diagnostic: K (and a change of it), K̂, δ̂ at K, β̂ = exp(log β̂),
 * the failure reason if any, the duration, and the gradient norm by lag.
 */
export function recordDiagnostic(metrics: MetricCatalog, report: DiagnosticReport): void {
  metrics.diagnostics.inc();
  metrics.diagnosticDuration.observe(report.durationSeconds);
  metrics.truncationLength.set(report.k);
  if (report.k !== report.previousK) metrics.truncationChanges.inc();
  metrics.truncationEstimate.set(report.kHat);
  metrics.relativeBiasEstimate.set(report.relBias);
  metrics.gradientDecayRate.set(Math.exp(report.logBeta));
  if (report.failure) metrics.decayEstimateFailures.inc({ reason: report.failure });
  metrics.setGradientNorms(report.meanLagNorms);
}

/** Counts a diagnostic that gave no estimate: no key had W steps of history, or the gradient norms were not finite. */
export function recordInsufficientHistory(metrics: MetricCatalog, reason: 'insufficient-history' | 'non-finite-norms' = 'insufficient-history'): void {
  metrics.diagnostics.inc();
  metrics.decayEstimateFailures.inc({ reason });
}
