import type { Engine, TrainOptions } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import type { RecurrentState } from '../model/recurrent-state';
import type { SequenceWindow } from '../model/sequence-window';
import { clipGradNorm, globalNorm } from '../optim/clip-grad-norm';
import type { Optimizer } from '../optim/optimizer';

/** One training window as data: what the engine computes and how the update is applied. */
export interface WindowStepJob {
  readonly window: SequenceWindow;
  readonly initial: RecurrentState;
  readonly options: TrainOptions;
  readonly learningRate: number;
  /** Clip the gradient's global norm to this (0 = off). */
  readonly clipNorm: number;
  /** Skip the update when the gradient norm (before clipping) exceeds this (0 = no bound). */
  readonly maxGradNorm: number;
  /**
   * Streams whose initial state is a state of stream `stream` of the step `back` steps before this one on
   * the same runner (1 = the previous; `kept`: its kept state, else its final state), not `initial`'s: set
   * when that step had not finished when this one was handed over. Indexed by this window's stream.
   */
  readonly carry?: ReadonlyArray<{ readonly stream: number; readonly kept: boolean; readonly back: number } | null>;
}

/** What a window step returns: the forward's outputs and states, the loss, and what the update did. */
export interface WindowStepResult {
  readonly outputs: Float32Array[];
  readonly stepLosses: Float32Array[];
  readonly loss: number;
  readonly finalState: RecurrentState;
  readonly keptStates: RecurrentState[];
  /** Global norm of the gradient before clipping. */
  readonly gradNorm: number;
  readonly skipped?: 'non-finite' | 'gradient-too-large';
}

/**
 * Forward, backward, clip and update for one window: the part of training that needs the parameters
 * (run on the event loop's thread or in the training worker, see src/learner/worker).
 */
export function runWindowStep(engine: Engine, spec: ModelSpec, params: ParamSet, optimizer: Optimizer, job: WindowStepJob,
  /** Results of the steps before this one, the latest last (undefined for one that failed). */
  previous: ReadonlyArray<WindowStepResult | undefined> = []): WindowStepResult {
  const initial = job.carry ? carryStates(spec, job, previous) : job.initial;
  const result = engine.trainWindow(spec, params, job.window, initial, job.options);
  const gradNorm = globalNorm(result.grads);
  let skipped: WindowStepResult['skipped'];
  if (!Number.isFinite(result.loss) || !Number.isFinite(gradNorm)) skipped = 'non-finite';
  else if (job.maxGradNorm > 0 && gradNorm > job.maxGradNorm) skipped = 'gradient-too-large';
  if (!skipped) {
    if (job.clipNorm > 0) clipGradNorm(result.grads, job.clipNorm);
    optimizer.step(params, result.grads, job.learningRate);
  }
  const { outputs, stepLosses, loss, finalState, keptStates } = result;
  return { outputs, stepLosses, loss, finalState, keptStates, gradNorm, ...(skipped ? { skipped } : {}) };
}

/** The job's initial state with carried streams copied from earlier steps' results. */
function carryStates(spec: ModelSpec, job: WindowStepJob, previous: ReadonlyArray<WindowStepResult | undefined>): RecurrentState {
  const H = spec.hiddenSize;
  const copy = (dest: Float32Array[], from: (r: RecurrentState) => Float32Array[]) => {
    job.carry!.forEach((c, b) => {
      if (!c) return;
      const r = c.back >= 1 ? previous[previous.length - c.back] : undefined;
      if (!r) throw new Error(`a window carries state from the step ${c.back} before it, which did not complete`);
      const src = from(c.kept ? r.keptStates[0] : r.finalState);
      for (let l = 0; l < dest.length; l++) dest[l].set(src[l].subarray(c.stream * H, (c.stream + 1) * H), b * H);
    });
  };
  copy(job.initial.h, (r) => r.h);
  if (job.initial.c) copy(job.initial.c, (r) => r.c!);
  return job.initial;
}

/** Where window steps run: at once on this thread, or handed to a worker and collected later. */
export interface WindowRunner {
  /** Runs a step and returns its result (waits for any step handed over before). */
  run(job: WindowStepJob): WindowStepResult;
  /** Hands a step over without waiting (it runs after those handed over before); false when this runner only runs steps at once. */
  submit(job: WindowStepJob): boolean;
  /** The oldest handed-over step's result, waiting for it if `wait`, else undefined while it runs. */
  collect(wait: boolean): WindowStepResult | undefined;
}

/** Runs every step at once on the calling thread. */
export function inlineRunner(engine: Engine, spec: ModelSpec, params: ParamSet, optimizer: Optimizer): WindowRunner {
  return {
    run: (job) => runWindowStep(engine, spec, params, optimizer, job),
    submit: () => false,
    collect: () => undefined,
  };
}
