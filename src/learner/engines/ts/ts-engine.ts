import type { Engine, ForwardOptions, ForwardResult, LagNorms, TrainOptions, TrainResult } from '../engine';
import { validateModelSpec, type ModelSpec } from '../../model/model-spec';
import type { ParamSet } from '../../model/param-set';
import type { RecurrentState } from '../../model/recurrent-state';
import type { SequenceWindow } from '../../model/sequence-window';
import { diagnosticPass } from './diagnostic-pass';
import { headOutput } from './heads';
import { buildModelView } from './model-view';
import { backwardWindow } from './window-backward';
import { forwardWindow, stateAfter, type WindowTape } from './window-forward';
import { Workspace } from './workspace';
import type { ModelView } from './model-view';

/**
 * The plain-TypeScript engine: float32 storage, float64 arithmetic in registers, register-blocked
 * kernels, a hand-derived backward. Best for small models and small batches where per-op dispatch
 * would dominate a tensor library. Scratch buffers are reused across calls, so one engine instance
 * must not be used re-entrantly (it is synchronous, so this only matters for callbacks).
 */
export function createTsEngine(): Engine {
  const ws = new Workspace();

  const forward = (spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options: ForwardOptions = {}): ForwardResult => {
    const { view, outputsFrom } = prepare(spec, params, window, options, ws);
    const tape = forwardWindow(view, window, initial, ws, outputsFrom);
    return collect(view, tape, options, outputsFrom);
  };

  const trainWindow = (spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState,
    options: TrainOptions): TrainResult => {
    const { view, outputsFrom } = prepare(spec, params, window, options, ws);
    const T = window.steps;
    if (!Number.isInteger(options.lossFrom) || options.lossFrom < 0 || options.lossFrom >= T) {
      throw new RangeError(`lossFrom must be an integer in [0, ${T - 1}], got ${options.lossFrom}`);
    }
    const tape = forwardWindow(view, window, initial, ws, Math.min(outputsFrom, options.lossFrom));
    const result = collect(view, tape, options, outputsFrom);
    const { loss, stepLosses, grads } = backwardWindow(view, tape, window, options.lossFrom, ws);
    return { ...result, loss, stepLosses, grads };
  };

  const diagnose = (spec: ModelSpec, params: ParamSet, window: SequenceWindow, initial: RecurrentState): LagNorms => {
    const { view } = prepare(spec, params, window, {}, ws);
    const tape = forwardWindow(view, window, initial, ws, window.steps - 1);
    return diagnosticPass(view, tape, window, ws);
  };

  return { name: 'ts', backend: 'float32-js', forward, trainWindow, diagnose, dispose: () => ws.clear() };
}

function prepare(spec: ModelSpec, params: ParamSet, window: SequenceWindow, options: ForwardOptions, ws: Workspace):
  { view: ModelView; outputsFrom: number } {
  validateModelSpec(spec);
  const T = window.steps;
  if (!Number.isInteger(T) || T < 1) throw new RangeError(`window.steps must be a positive integer, got ${T}`);
  if (!Number.isInteger(window.batch) || window.batch < 1) throw new RangeError(`window.batch must be a positive integer, got ${window.batch}`);
  const outputsFrom = options.outputsFrom ?? T - 1;
  if (!Number.isInteger(outputsFrom) || outputsFrom < 0 || outputsFrom > T) {
    throw new RangeError(`outputsFrom must be an integer in [0, ${T}], got ${outputsFrom}`);
  }
  for (const t of options.keepStatesAfter ?? []) {
    if (!Number.isInteger(t) || t < 0 || t >= T) throw new RangeError(`keepStatesAfter: step ${t} outside [0, ${T - 1}]`);
  }
  return { view: buildModelView(spec, params, ws), outputsFrom };
}

function collect(view: ModelView, tape: WindowTape, options: ForwardOptions, outputsFrom: number): ForwardResult {
  const { B, T } = tape;
  const C = view.C;
  const outputs: Float32Array[] = [];
  for (let t = outputsFrom; t < T; t++) {
    outputs.push(headOutput(view.spec.head, B, C, tape.logits, (t - tape.decodeFrom) * B * C));
  }
  return {
    outputs,
    finalState: stateAfter(view, tape, T - 1),
    keptStates: (options.keepStatesAfter ?? []).map((t) => stateAfter(view, tape, t)),
  };
}
