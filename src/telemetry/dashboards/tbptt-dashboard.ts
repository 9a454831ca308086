import { METRIC_SPECS as M } from '../metric-specs';
import { buildDashboard, labelVariable, type PanelSpec, type QuerySpec } from './dashboard-builder';
import type { Dashboard, FieldDefaults } from './dashboard-model';

/** `name{instance=~"$instance"[,extra]}`: every selector follows the instance picker. */
function sel(name: string, extra = ''): string {
  return `${name}{instance=~"$instance"${extra ? `,${extra}` : ''}}`;
}
const rate = (name: string, extra = ''): string => `rate(${sel(name, extra)}[$__rate_interval])`;
const quantile = (q: number, histogram: string): QuerySpec => ({
  expr: `histogram_quantile(${q}, sum by (le) (${rate(`${histogram}_bucket`)}))`, legend: `p${Math.round(q * 100)}`,
});

const series = (unit: string, extra: Partial<FieldDefaults> = {}): FieldDefaults => ({ unit, ...extra });
const logScale = { scaleDistribution: { type: 'log', log: 10 } };
const ts = (title: string, description: string, queries: QuerySpec[], defaults: FieldDefaults, w = 12, h = 8): PanelSpec =>
  ({ type: 'timeseries', title, description, queries, defaults, w, h });
const stat = (title: string, description: string, queries: QuerySpec[], defaults: FieldDefaults, options = {}, w = 6, h = 5): PanelSpec =>
  ({ type: 'stat', title, description, queries, defaults, options, w, h });

/**
 * The operator's dashboard: what the learner does (K, δ̂ against δ, β̂, the decay curve, loss, the diagnostic's
 * cost), the stream (throughput, lag, dead letters) and health (checkpoints, errors, engine, process).
 */
export function tbpttDashboard(): Dashboard {
  return buildDashboard({
    uid: 'tbptt-stream',
    title: 'tbptt-stream',
    description: 'Online RNN training with adaptive truncated BPTT: truncation, bias, decay, loss, throughput, lag and health.',
    tags: ['tbptt-stream'],
    variables: [labelVariable('instance', 'Instance', M.truncationLength.name)],
    rows: [
      {
        title: 'Truncation',
        panels: [
          ts('Truncation length K', 'K in force (steps backpropagated per loss) and K̂(δ) of the latest diagnostic before smoothing and clamping.', [
            { expr: sel(M.truncationLength.name), legend: 'K {{instance}}' },
            { expr: sel(M.truncationEstimate.name), legend: 'K̂ latest diagnostic {{instance}}' },
          ], series('short', { min: 0, decimals: 0 })),
          ts('Relative gradient bias δ̂ vs target δ', 'Estimated relative bias δ̂ at the K in force against the tolerated δ (log scale). δ̂ above δ for long means K is capped by kMax or the decay cannot be bounded.', [
            { expr: sel(M.relativeBiasEstimate.name), legend: 'δ̂ {{instance}}' },
            { expr: sel(M.relativeBiasTarget.name), legend: 'δ target {{instance}}' },
          ], series('percentunit', { custom: logScale })),
          ts('Gradient decay rate β̂', 'Estimated geometric decay of the state-gradient norm per lag. β̂ ≥ 1 (red) means the norms do not decay and the bias cannot be bounded (K goes to kMax).', [
            { expr: sel(M.gradientDecayRate.name), legend: 'β̂ {{instance}}' },
          ], series('none', {
            decimals: 3,
            thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] },
            custom: { thresholdsStyle: { mode: 'line' } },
          }), 8),
          ts('Gradient norm by lag (decay curve)', 'Batch-mean norm of the last step\'s loss gradient with respect to the state `lag` steps back, from the latest diagnostic (log scale): a straight falling fan means geometric decay.', [
            { expr: sel(M.gradientNormByLag.name), legend: 'lag {{lag}} {{instance}}' },
          ], series('none', { custom: logScale }), 8),
          ts('Diagnostic cost', 'Time spent in diagnostics as a fraction of the time spent training windows.', [
            { expr: `sum(rate(${sel(`${M.diagnosticDuration.name}_sum`)}[$__rate_interval])) / sum(rate(${sel(`${M.windowDuration.name}_sum`)}[$__rate_interval]))`, legend: 'diagnostic / training time' },
          ], series('percentunit', { min: 0 }), 8),
          ts('Decay estimate failures', 'Diagnostics that could not bound the bias, by reason (beta-ge-1: norms do not decay; insufficient-history: no key had W steps yet).', [
            { expr: `sum by (reason) (increase(${sel(M.decayEstimateFailures.name)}[$__rate_interval]))`, legend: '{{reason}}' },
          ], series('short', { min: 0 })),
          ts('Diagnostics and K changes', 'Diagnostics run and changes of K, per minute.', [
            { expr: `sum(${rate(M.diagnostics.name)}) * 60`, legend: 'diagnostics / min' },
            { expr: `sum(${rate(M.truncationChanges.name)}) * 60`, legend: 'K changes / min' },
          ], series('short', { min: 0 })),
        ],
      },
      {
        title: 'Learning',
        panels: [
          ts('Loss', 'Progressive-validation loss (predicted before learning): the moving average and quantiles of the per-window loss (nats for softmax, MSE for mse).', [
            { expr: sel(M.loss.name), legend: 'moving average {{instance}}' },
            quantile(0.5, M.windowLoss.name), quantile(0.9, M.windowLoss.name), quantile(0.99, M.windowLoss.name),
          ], series('none')),
          ts('Window and diagnostic duration', 'Wall time of one training window and of one diagnostic (quantiles).', [
            { ...quantile(0.5, M.windowDuration.name), legend: 'window p50' },
            { ...quantile(0.99, M.windowDuration.name), legend: 'window p99' },
            { ...quantile(0.99, M.diagnosticDuration.name), legend: 'diagnostic p99' },
          ], series('s', { custom: logScale })),
          ts('Skipped updates', 'Updates skipped per second, by reason (non-finite loss or gradient, gradient above training.maxGradNorm).', [
            { expr: `sum by (reason) (${rate(M.updatesSkipped.name)})`, legend: '{{reason}}' },
          ], series('short', { min: 0 }), 8),
          ts('Active keys', 'Sequence keys whose state is held in memory.', [
            { expr: sel(M.activeKeys.name), legend: '{{instance}}' },
          ], series('short', { min: 0 }), 8),
          stat('Engine', 'Compute engine and backend in use.', [
            { expr: sel(M.engineInfo.name), legend: '{{engine}} ({{backend}})', instant: true },
          ], series('none'), { textMode: 'name', colorMode: 'none', graphMode: 'none' }, 8, 8),
        ],
      },
      {
        title: 'Stream',
        panels: [
          ts('Throughput', 'Records consumed, steps trained, windows and predictions per second.', [
            { expr: `sum by (topic) (${rate(M.recordsConsumed.name)})`, legend: 'records/s {{topic}}' },
            { expr: `sum(${rate(M.timestepsTrained.name)})`, legend: 'timesteps/s' },
            { expr: `sum(${rate(M.windows.name)})`, legend: 'windows/s' },
            { expr: `sum(${rate(M.predictions.name)})`, legend: 'predictions/s' },
          ], series('short', { min: 0 })),
          ts('Consumer lag', 'Records behind the high watermark, per topic (summed over partitions).', [
            { expr: `sum by (topic) (${sel(M.consumerLag.name)})`, legend: '{{topic}}' },
          ], series('short', { min: 0 })),
          ts('Backpressure', 'Steps decoded and waiting to be trained (bounded by output.maxBufferedRecords), and input partitions paused: those whose keys hold more than their share of the buffer, or all of them while it is full.', [
            { expr: sel(M.bufferedSteps.name), legend: 'buffered steps {{instance}}' },
            { expr: sel(M.pausedPartitions.name), legend: 'paused partitions {{instance}}' },
          ], series('short', { min: 0 })),
          ts('Dead letters by reason', 'Records rejected by the decoder per second, by reason code.', [
            { expr: `sum by (reason) (${rate(M.deadLetters.name)})`, legend: '{{reason}}' },
          ], series('short', { min: 0 })),
          ts('Errors by component', 'Errors handled without stopping the pipeline, per second, by component.', [
            { expr: `sum by (component) (${rate(M.errors.name)})`, legend: '{{component}}' },
          ], series('short', { min: 0 })),
        ],
      },
      {
        title: 'Health',
        panels: [
          ts('Checkpoint age', 'Seconds since the newest durable checkpoint, against three times the configured interval (the staleness alert).', [
            { expr: sel(M.checkpointAge.name), legend: 'age {{instance}}' },
            { expr: `3 * ${sel(M.checkpointInterval.name)}`, legend: 'alert threshold {{instance}}' },
          ], series('s', { min: 0 }), 8),
          ts('Checkpoints', 'Checkpoints written and failed, per minute.', [
            { expr: `sum(${rate(M.checkpoints.name)}) * 60`, legend: 'written / min' },
            { expr: `sum(${rate(M.checkpointFailures.name)}) * 60`, legend: 'failed / min' },
          ], series('short', { min: 0 }), 8),
          stat('Ready', 'Ready: broker connected, partitions assigned, state restored.', [
            { expr: sel(M.ready.name), legend: '{{instance}}' },
          ], series('none', {
            thresholds: { mode: 'absolute', steps: [{ color: 'red', value: null }, { color: 'green', value: 1 }] },
            custom: {},
          }), { colorMode: 'background', graphMode: 'none' }, 8, 8),
          ts('Process memory', 'Resident memory and V8 heap in use of the service process.', [
            { expr: sel('process_resident_memory_bytes'), legend: 'resident memory {{instance}}' },
            { expr: sel('nodejs_heap_size_used_bytes'), legend: 'heap used {{instance}}' },
          ], series('bytes', { min: 0 })),
          ts('CPU and event loop', 'CPU seconds per second and event-loop lag (p99).', [
            { expr: `rate(${sel('process_cpu_seconds_total')}[$__rate_interval])`, legend: 'CPU {{instance}}' },
            { expr: sel('nodejs_eventloop_lag_p99_seconds'), legend: 'event-loop lag p99 {{instance}}' },
          ], series('s', { min: 0 })),
        ],
      },
    ],
  });
}
