import type { ParamSet } from '../model/param-set';
import type { Optimizer, OptimizerSnapshot } from '../optim/optimizer';
import type { WorkerRunner } from './worker-runner';

/** The optimizer in the training worker, seen from this thread: its state is read and restored through the worker. */
export class WorkerOptimizer implements Optimizer {
  constructor(readonly kind: string, private readonly runner: WorkerRunner) {}

  step(_params: ParamSet, _grads: ParamSet, _lr: number): void {
    throw new Error('the optimizer steps in the training worker (as part of a window step), not on this thread');
  }

  snapshot(): OptimizerSnapshot {
    return this.runner.call({ op: 'optimizer-snapshot' }) as OptimizerSnapshot;
  }

  restore(snapshot: OptimizerSnapshot): void {
    this.runner.call({ op: 'optimizer-restore', snapshot });
  }
}
