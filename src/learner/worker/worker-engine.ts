import type { Engine, EngineName, ForwardOptions, ForwardResult, LagNorms, TrainOptions, TrainResult } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import type { RecurrentState } from '../model/recurrent-state';
import type { SequenceWindow } from '../model/sequence-window';
import type { WorkerRunner } from './worker-runner';

/**
 * The engine in the training worker, seen from this thread: each call waits for the worker. Only the
 * shared parameters the worker was started with can be used.
 */
export class WorkerEngine implements Engine {
  readonly name: EngineName;
  readonly backend: string;

  constructor(private readonly runner: WorkerRunner, private readonly params: ParamSet) {
    this.name = runner.engineName;
    this.backend = `${runner.engineBackend}, in a worker thread`;
  }

  forward(_spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState, options?: ForwardOptions): ForwardResult {
    this.check(params);
    return this.runner.call({ op: 'forward', args: [window, initial, options] }) as ForwardResult;
  }

  trainWindow(_spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState, options: TrainOptions): TrainResult {
    this.check(params);
    return this.runner.call({ op: 'trainWindow', args: [window, initial, options] }) as TrainResult;
  }

  diagnose(_spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState): LagNorms {
    this.check(params);
    return this.runner.call({ op: 'diagnose', args: [window, initial] }) as LagNorms;
  }

  dispose(): void {
    void this.runner.terminate();
  }

  private check(params: ParamSet): void {
    if (params !== this.params) throw new Error('the worker engine only trains the parameters it was started with');
  }
}
