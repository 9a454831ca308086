import type { ServiceConfig } from '../config/config-schema';
import type { Engine } from '../learner/engines/engine';
import { nativeThreadsFor, useNativeThreads } from '../learner/engines/native-threads';
import { createEngine } from '../learner/engines/create-engine';
import { initParams } from '../learner/model/init-params';
import type { ModelSpec } from '../learner/model/model-spec';
import type { ParamSet } from '../learner/model/param-set';
import { createOptimizer, type OptimizerConfig } from '../learner/optim/create-optimizer';
import type { Optimizer } from '../learner/optim/optimizer';
import { OnlineLearner } from '../learner/online/online-learner';
import { TruncationController } from '../learner/online/truncation-controller';
import { TruncationEstimator } from '../learner/truncation/truncation-estimator';
import { shareParams } from '../learner/worker/shared-params';
import { WorkerEngine } from '../learner/worker/worker-engine';
import { WorkerOptimizer } from '../learner/worker/worker-optimizer';
import { WorkerRunner } from '../learner/worker/worker-runner';
import { tpKey } from '../source/kafka/topic-partition';
import { createRng, type Rng } from '../util/rng';

/** The learner and everything it trains with, built from the configuration. */
export interface LearnerParts {
  readonly spec: ModelSpec;
  readonly engine: Engine;
  readonly engineReason: string;
  readonly params: ParamSet;
  readonly optimizer: Optimizer;
  readonly learner: OnlineLearner;
  readonly estimator: TruncationEstimator;
  readonly controller: TruncationController;
  readonly rng: Rng;
}

/** Builds the learner stack for a model spec from the configuration (engine chosen and loaded here). */
export async function buildLearner(config: ServiceConfig, spec: ModelSpec, now: () => number = () => performance.now()): Promise<LearnerParts> {
  const { training: t, truncation: tr, model } = config;
  const rng = createRng(model.seed);
  const optimizerConfig: OptimizerConfig = { kind: t.optimizer, momentum: t.momentum, weightDecay: t.weightDecay };
  let engine: Engine;
  let reason: string;
  let params: ParamSet;
  let optimizer: Optimizer;
  let runner: WorkerRunner | undefined;
  if (t.thread === 'worker') {
    // The worker owns engine and optimizer and updates the parameters in shared memory. The native
    // runtime's pool size goes through the process environment, which only this thread can set.
    useNativeThreads(nativeThreadsFor(spec, t.batchStreams));
    params = shareParams(initParams(spec, model.init, rng));
    runner = await WorkerRunner.start({ spec, batch: t.batchStreams, engine: t.engine, params, optimizer: optimizerConfig });
    engine = new WorkerEngine(runner, params);
    reason = runner.engineReason;
    optimizer = new WorkerOptimizer(t.optimizer, runner);
  } else {
    ({ engine, reason } = await createEngine(spec, t.batchStreams, t.engine));
    params = initParams(spec, model.init, rng);
    optimizer = createOptimizer(optimizerConfig);
  }
  const estimator = new TruncationEstimator({
    delta: tr.delta, window: tr.window, tau: tr.tau, kMin: tr.kMin, kMax: tr.kMax, repeats: tr.repeats, method: tr.method, k0: tr.k0,
  });
  const learner = new OnlineLearner({
    spec, engine, params, optimizer, scheme: t.scheme, k: tr.k0, learningRate: t.learningRate, lrScaling: t.lrScaling,
    clipNorm: t.clipNorm, maxGradNorm: t.maxGradNorm, historySteps: config.state.historySteps,
    maxStreams: t.batchStreams, ...(runner ? { runner } : {}),
    // Untrained steps per partition: backpressure holds back only the partitions whose keys hold the backlog.
    groupOf: (step) => step.source && tpKey(step.source.topic, step.source.partition),
  });
  if (runner) runner.onStepDone = () => learner.settle(false);
  const controller = new TruncationController(learner, estimator, {
    mode: tr.mode, everyWindows: tr.everyWindows, everyMs: tr.everySeconds * 1000, streams: tr.diagnosticStreams,
    now, random: () => rng.next(),
  });
  return { spec, engine, engineReason: reason, params, optimizer, learner, estimator, controller, rng };
}
