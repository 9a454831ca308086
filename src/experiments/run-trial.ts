import { performance } from 'node:perf_hooks';
import type { Engine } from '../learner/engines/engine';
import { initParams } from '../learner/model/init-params';
import { cloneParams, type ParamSet } from '../learner/model/param-set';
import { OnlineLearner } from '../learner/online/online-learner';
import { TruncationController, type DiagnosticReport } from '../learner/online/truncation-controller';
import { createOptimizer } from '../learner/optim/create-optimizer';
import { TruncationEstimator } from '../learner/truncation/truncation-estimator';
import { createRng } from '../util/rng';
import type { TokenStreams } from './datasets/copy-task';
import { evaluateStreams, type StreamEvaluation } from './evaluate-streams';
import type { ExperimentMethod } from './experiment-method';
import type { TrialConfig } from './trial-config';
import type { DiagnosticEvent, EpochRecord, TrialResult } from './trial-record';

/** The three splits, each S parallel token streams. */
export interface ExperimentData {
  readonly train: TokenStreams;
  readonly valid: TokenStreams;
  readonly test: TokenStreams;
}

/** Called as the run progresses (progress output). */
export interface TrialHooks {
  onEpoch?(record: EpochRecord): void;
  onDiagnostic?(event: DiagnosticEvent): void;
}

/** The experiment's metric from an evaluation. */
export function metricOf(e: StreamEvaluation, metric: TrialConfig['metric']): number {
  return metric === 'perplexity' ? e.perplexity : e.bitsPerToken;
}

/**
 * One run of one method with one seed: fresh parameters from `seed`, then `config.epochs` epochs over
 * the training streams (each epoch starts every stream from the zero state), the online learner training
 * all streams as one batch of TBPTT windows, and the truncation controller running diagnostics on its
 * schedule (adaptive methods apply its K; fixed ones only report δ̂ at their K). After every epoch the
 * validation metric is computed; the test metric is taken with the best-validation parameters.
 */
export function runTrial(engine: Engine, config: TrialConfig, data: ExperimentData, method: ExperimentMethod,
  seed: number, hooks: TrialHooks = {}): TrialResult {
  const { spec } = config;
  const rng = createRng(seed);
  const params = initParams(spec, config.init, rng);
  const optimizer = createOptimizer({ kind: config.optimizer ?? 'sgd', weightDecay: config.weightDecay });
  const k0 = method.kind === 'fixed' ? method.k : method.k0;
  const estimator = new TruncationEstimator({
    ...config.truncation, delta: method.kind === 'adaptive' ? method.delta : 0.1, k0,
  });
  const streams = data.train.inputs.length;
  const stepsPerEpoch = data.train.inputs[0].length;
  const keys = Array.from({ length: streams }, (_, s) => `s${s}`);
  const { window: W, kMax } = config.truncation;
  const historySteps = Math.max(W, 2 * kMax - 1) + kMax + 1;

  const started = performance.now();
  let trainMs = 0;
  let diagnosticMs = 0;
  let k = estimator.value;
  let windows = 0;
  let skipped = 0;
  let stepsDone = 0; // per stream, over all epochs
  let nextDiagnostic = config.diagnoseAtStart ? W : config.diagnosticEverySteps;
  let lastDiag: DiagnosticReport | undefined;
  const records: EpochRecord[] = [];
  const diagnostics: DiagnosticEvent[] = [];

  const evaluate = (split: TokenStreams, p: ParamSet): StreamEvaluation =>
    evaluateStreams(engine, spec, p, split, config.evalChunkSteps);
  const record = (epoch: number, trainLoss: number, valid: StreamEvaluation): EpochRecord => {
    const r: EpochRecord = {
      epoch, trainLoss, validLoss: valid.meanLoss, validMetric: metricOf(valid, config.metric),
      trainSeconds: trainMs / 1000, totalSeconds: (performance.now() - started) / 1000,
      diagnosticSeconds: diagnosticMs / 1000, k,
      relBias: lastDiag === undefined ? NaN : Math.exp(estimator.logRelBiasAt(k) ?? Infinity),
      logBeta: lastDiag?.logBeta ?? NaN, windows, skippedUpdates: skipped,
    };
    records.push(r);
    hooks.onEpoch?.(r);
    return r;
  };

  let best = { epoch: 0, validMetric: record(0, NaN, evaluate(data.valid, params)).validMetric, params: cloneParams(params) };
  const diagRng = createRng(seed * 7919 + 17);

  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    // A new learner per epoch: every stream restarts from the zero state; params and optimizer are shared.
    const learner = new OnlineLearner({
      spec, engine, params, optimizer, scheme: config.scheme, k, learningRate: config.learningRate,
      lrScaling: config.lrScaling, clipNorm: config.clipNorm, maxGradNorm: 0, historySteps,
    });
    const controller = new TruncationController(learner, estimator, {
      mode: method.kind === 'adaptive' ? 'adaptive' : 'fixed', everyWindows: 0, everyMs: 0,
      streams: config.diagnosticStreams, now: () => performance.now(), random: () => diagRng.next(),
    });
    let lossSum = 0;
    let lossSteps = 0;
    const epochStart = performance.now();
    for (let t = 0; t < stepsPerEpoch; t++) {
      for (let s = 0; s < streams; s++) learner.observe({ key: keys[s], x: data.train.inputs[s][t], y: data.train.targets[s][t] });
      const ready = learner.readyKeys();
      if (ready.length > 0) {
        for (const report of learner.learn(ready)) {
          const n = report.outcomes.length;
          if (Number.isFinite(report.loss)) {
            lossSum += report.loss * n;
            lossSteps += n;
          }
          windows++;
          if (report.skipped) skipped++;
        }
      }
      stepsDone++;
      if (stepsDone >= nextDiagnostic && t + 1 >= W) {
        const d0 = performance.now();
        const d = controller.runNow();
        const dMs = performance.now() - d0;
        if (d) {
          diagnosticMs += dMs;
          lastDiag = d;
          k = learner.k;
          nextDiagnostic += config.diagnosticEverySteps;
          while (nextDiagnostic <= stepsDone) nextDiagnostic += config.diagnosticEverySteps;
          const event: DiagnosticEvent = {
            epochs: stepsDone / stepsPerEpoch, trainSeconds: (trainMs + performance.now() - epochStart) / 1000,
            previousK: d.previousK, k: d.k, kHat: d.kHat, relBias: d.relBias, logBeta: d.logBeta,
            durationSeconds: d.durationSeconds,
          };
          diagnostics.push(event);
          hooks.onDiagnostic?.(event);
        }
      }
    }
    trainMs += performance.now() - epochStart;
    k = learner.k;
    const r = record(epoch, lossSteps > 0 ? lossSum / lossSteps : NaN, evaluate(data.valid, params));
    if (r.validMetric < best.validMetric) best = { epoch, validMetric: r.validMetric, params: cloneParams(params) };
  }
  const testMetric = metricOf(evaluate(data.test, best.params), config.metric);
  return { method, seed, epochs: records, diagnostics, best: { epoch: best.epoch, validMetric: best.validMetric, testMetric } };
}
