import type { ModelSpec } from '../learner/model/model-spec';
import type { InitScheme } from '../learner/model/init-params';
import type { TbpttScheme } from '../learner/online/window-plan';
import type { LrScaling } from '../learner/optim/lr-scaling';
import type { BetaMethod } from '../learner/truncation/estimate-log-beta';

/** The metric an experiment reports: perplexity exp(CE) or bits per token CE / ln 2. */
export type ExperimentMetric = 'perplexity' | 'bpc';

/** How every run of an experiment trains (everything but the method and the seed). */
export interface TrialConfig {
  readonly spec: ModelSpec;
  readonly init: InitScheme;
  readonly epochs: number;
  readonly scheme: TbpttScheme;
  /** Plain SGD as the paper (default), or Adam (weight decay as L2 in both). */
  readonly optimizer?: 'sgd' | 'adam';
  /** γ0; the learning rate is γ0·√K with lrScaling 'sqrt'. */
  readonly learningRate: number;
  readonly lrScaling: LrScaling;
  readonly weightDecay: number;
  /** Clip on the summed window loss (applied as clipNorm / K to the mean). */
  readonly clipNorm: number;
  /** Estimator settings shared by every method (δ and K0 come from the method). */
  readonly truncation: {
    readonly window: number;
    readonly tau: number;
    readonly kMin: number;
    readonly kMax: number;
    readonly repeats: number;
    readonly method: BetaMethod;
  };
  /** Run a diagnostic every this many training steps per stream (e.g. 1.25 epochs' worth). */
  readonly diagnosticEverySteps: number;
  /** Also run one as soon as the first W steps of the first epoch are available. */
  readonly diagnoseAtStart: boolean;
  /** Streams sampled per diagnostic (S). */
  readonly diagnosticStreams: number;
  readonly metric: ExperimentMetric;
  /** Steps per forward call during evaluation. */
  readonly evalChunkSteps: number;
}
