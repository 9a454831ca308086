import { Adam } from './adam';
import type { Optimizer } from './optimizer';
import { Sgd } from './sgd';

/** Optimizer choice as it appears in the configuration. */
export interface OptimizerConfig {
  readonly kind: 'sgd' | 'adam';
  readonly momentum?: number;
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
}

/** Builds the configured optimizer. */
export function createOptimizer(config: OptimizerConfig): Optimizer {
  return config.kind === 'adam'
    ? new Adam({ beta1: config.beta1, beta2: config.beta2, eps: config.eps, weightDecay: config.weightDecay })
    : new Sgd({ momentum: config.momentum, weightDecay: config.weightDecay, nesterov: config.nesterov });
}
