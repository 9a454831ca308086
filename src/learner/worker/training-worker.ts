/**
 * The training worker's entry point: it owns the engine and the optimizer, and updates the parameters,
 * which live in shared memory, in place. Requests arrive on a MessagePort and run strictly in order.
 * Started by {@link WorkerRunner}; not a module to import.
 */
import { parentPort, type MessagePort } from 'node:worker_threads';
import { createEngine } from '../engines/create-engine';
import type { Engine } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import { createOptimizer } from '../optim/create-optimizer';
import type { Optimizer, OptimizerSnapshot } from '../optim/optimizer';
import { runWindowStep, type WindowStepJob, type WindowStepResult } from '../online/window-step';
import type { WorkerDone, WorkerReply, WorkerRequest } from './worker-protocol';

interface Loaded {
  readonly spec: ModelSpec;
  readonly engine: Engine;
  readonly params: ParamSet;
  readonly optimizer: Optimizer;
  readonly signal: Int32Array;
  /** The event loop thread's params.version when last seen: it changes when that side rewrites the parameters. */
  mainVersion: number;
}

let loaded: Loaded | undefined;
/** Results of the latest steps, oldest first: later steps may carry states from them. */
const recentSteps: Array<WindowStepResult | undefined> = [];
/** More than the learner ever has in flight (MAX_IN_FLIGHT in online-learner.ts). */
const MAX_CARRY_BACK = 32;

async function handle(req: WorkerRequest): Promise<{ value: unknown }> {
  if (req.op === 'init') {
    const { engine, reason } = await createEngine(req.spec, req.batch, req.engine);
    const tensors = new Map(req.params.map(([name, shape, data]) => [name, { shape: [...shape], data }] as const));
    loaded = { spec: req.spec, engine, params: { tensors, version: 0 }, optimizer: createOptimizer(req.optimizer), signal: req.signal, mainVersion: req.paramsVersion };
    return { value: { name: engine.name, backend: engine.backend, reason } };
  }
  const l = loaded;
  if (!l) throw new Error('the training worker got a request before it was initialised');
  if (req.paramsVersion !== l.mainVersion) {
    // Parameters rewritten by the other thread (restored checkpoint, rollback): engines must upload them again.
    l.mainVersion = req.paramsVersion;
    l.params.version++;
  }
  switch (req.op) {
    case 'step': {
      const started = performance.now();
      let r: WindowStepResult | undefined;
      try {
        r = runWindowStep(l.engine, l.spec, l.params, l.optimizer, req.job as WindowStepJob, recentSteps);
      } finally {
        recentSteps.push(r); // undefined for a step that failed: nothing to carry from it
        if (recentSteps.length > MAX_CARRY_BACK) recentSteps.shift();
      }
      return { value: { ...r, computeSeconds: (performance.now() - started) / 1000 } };
    }
    case 'forward':
    case 'trainWindow':
    case 'diagnose': {
      const [window, initial, options] = req.args as [never, never, never];
      const value = req.op === 'forward' ? l.engine.forward(l.spec, l.params, window, initial, options)
        : req.op === 'trainWindow' ? l.engine.trainWindow(l.spec, l.params, window, initial, options)
          : l.engine.diagnose(l.spec, l.params, window, initial);
      return { value };
    }
    case 'optimizer-snapshot':
      return { value: l.optimizer.snapshot() };
    case 'optimizer-restore':
      l.optimizer.restore(req.snapshot as OptimizerSnapshot);
      return { value: undefined };
  }
}

function serve(port: MessagePort): void {
  let queue = Promise.resolve();
  port.on('message', (req: WorkerRequest) => {
    queue = queue.then(async () => {
      let reply: WorkerReply;
      try {
        reply = { seq: req.seq, ok: true, value: (await handle(req)).value };
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        reply = { seq: req.seq, ok: false, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
      }
      port.postMessage(reply);
      const signal = req.op === 'init' ? req.signal : loaded?.signal;
      if (signal) {
        Atomics.store(signal, 0, req.seq);
        Atomics.notify(signal, 0);
      }
      parentPort!.postMessage({ done: req.seq } satisfies WorkerDone);
    });
  });
}

parentPort!.once('message', (port: MessagePort) => serve(port));
// Tells a thread waiting for a reply that none will come (see WorkerRunner.wait).
process.on('exit', () => {
  const signal = loaded?.signal;
  if (!signal) return;
  Atomics.store(signal, 1, 1);
  Atomics.notify(signal, 0);
});
