import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { EngineName } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import type { OptimizerConfig } from '../optim/create-optimizer';
import type { WindowRunner, WindowStepJob, WindowStepResult } from '../online/window-step';
import type { WorkerDone, WorkerReply, WorkerRequest } from './worker-protocol';


type RequestBody = WorkerRequest extends infer R ? R extends WorkerRequest ? Omit<R, 'seq' | 'paramsVersion'> : never : never;

export interface WorkerRunnerOptions {
  readonly spec: ModelSpec;
  readonly batch: number;
  readonly engine: EngineName | 'auto';
  /** Parameters in shared memory ({@link shareParams}); the worker updates them in place. */
  readonly params: ParamSet;
  readonly optimizer: OptimizerConfig;
  /** Longest wait for one reply (default 10 minutes; a window of a large model takes seconds). */
  readonly replyTimeoutMs?: number;
}

/**
 * Runs training steps in a worker thread (src/learner/worker/training-worker.ts), so that this thread keeps
 * consuming, decoding and publishing while a window trains. A step handed over with `submit` runs while
 * this thread goes on; `collect` takes its result; every other request waits for the worker synchronously
 * (Atomics.wait), after the requests before it: the worker runs them strictly in order. `onIdle` is called
 * when a handed-over step has finished and this thread was not waiting for it.
 */
export class WorkerRunner implements WindowRunner {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  /** Slot 0: seq of the newest reply; slot 1: 1 once the worker has exited. */
  private readonly signal = new Int32Array(new SharedArrayBuffer(8));
  private readonly replies = new Map<number, WorkerReply>();
  private seq = 0;
  /** Handed-over steps not collected yet, oldest first. */
  private readonly pendingSteps: number[] = [];
  private exited: Error | undefined;
  /** Called (on this thread's event loop) once a handed-over step's result can be collected. */
  onStepDone: (() => void) | undefined;
  engineName: EngineName = 'ts';
  engineBackend = '';
  engineReason = '';

  private constructor(private readonly params: ParamSet, private readonly replyTimeoutMs: number) {
    this.worker = new Worker(join(__dirname, 'training-worker.js'));
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.worker.postMessage(channel.port2, [channel.port2]);
    this.worker.on('message', (m: WorkerDone) => {
      if (this.pendingSteps.includes(m.done) && this.onStepDone) this.onStepDone();
    });
    this.worker.on('error', (e) => { this.exited = e; });
    this.worker.on('exit', (code) => { this.exited ??= new Error(`the training worker exited (code ${code})`); });
    this.worker.unref();
  }

  /** Starts the worker and loads the engine in it. */
  static async start(o: WorkerRunnerOptions): Promise<WorkerRunner> {
    const r = new WorkerRunner(o.params, o.replyTimeoutMs ?? 10 * 60_000);
    const params = [...o.params.tensors].map(([name, t]) => {
      if (!(t.data.buffer instanceof SharedArrayBuffer)) throw new Error(`parameter ${name} is not in shared memory (use shareParams)`);
      return [name, t.shape, t.data] as const;
    });
    r.worker.ref();
    try {
      const seq = r.post({ op: 'init', spec: o.spec, batch: o.batch, engine: o.engine, params, optimizer: o.optimizer, signal: r.signal });
      await new Promise<void>((resolve, reject) => {
        const onMessage = (m: WorkerDone) => { if (m.done === seq) { r.worker.off('exit', onExit); r.worker.off('message', onMessage); resolve(); } };
        const onExit = () => { r.worker.off('message', onMessage); reject(r.exited ?? new Error('the training worker exited')); };
        r.worker.on('message', onMessage);
        r.worker.on('exit', onExit);
      });
      const info = r.wait(seq) as { name: EngineName; backend: string; reason: string };
      r.engineName = info.name;
      r.engineBackend = info.backend;
      r.engineReason = info.reason;
    } catch (e) {
      await r.worker.terminate();
      throw e;
    } finally {
      r.worker.unref();
    }
    return r;
  }

  /** Sends a request and waits for its reply (after every request sent before it). */
  call(body: RequestBody): unknown {
    return this.wait(this.post(body));
  }

  run(job: WindowStepJob): WindowStepResult {
    if (this.pendingSteps.length > 0) throw new Error('collect the handed-over training steps before running another');
    return this.call({ op: 'step', job }) as WindowStepResult;
  }

  submit(job: WindowStepJob): boolean {
    this.pendingSteps.push(this.post({ op: 'step', job }));
    this.worker.ref(); // the process waits for the steps
    return true;
  }

  collect(wait: boolean): WindowStepResult | undefined {
    const seq = this.pendingSteps[0];
    if (seq === undefined) return undefined;
    if (!wait) {
      this.drain();
      if (!this.replies.has(seq)) return undefined;
    }
    this.pendingSteps.shift();
    if (this.pendingSteps.length === 0) this.worker.unref();
    return this.wait(seq) as WindowStepResult;
  }

  /** Stops the worker. */
  async terminate(): Promise<void> {
    this.pendingSteps.length = 0;
    this.onStepDone = undefined;
    await this.worker.terminate();
  }

  private post(body: RequestBody): number {
    if (this.exited) throw this.exited;
    const seq = ++this.seq;
    this.port.postMessage({ ...body, seq, paramsVersion: this.params.version } as WorkerRequest);
    return seq;
  }

  private drain(): void {
    for (let m = receiveMessageOnPort(this.port); m; m = receiveMessageOnPort(this.port)) {
      const reply = m.message as WorkerReply;
      this.replies.set(reply.seq, reply);
    }
  }

  private wait(seq: number): unknown {
    // This thread cannot see the worker's exit event while it waits: the worker marks its exit in the
    // signal, and a wait that exceeds the limit (a worker stopped from outside) ends with an error.
    const deadline = Date.now() + this.replyTimeoutMs;
    for (;;) {
      this.drain();
      const reply = this.replies.get(seq);
      if (reply) {
        this.replies.delete(seq);
        if (reply.ok) return reply.value;
        const e = new Error(reply.message);
        if (reply.stack) e.stack = reply.stack;
        throw e;
      }
      if (this.exited) throw this.exited;
      if (Atomics.load(this.signal, 1) === 1) throw (this.exited = new Error('the training worker exited'));
      if (Date.now() > deadline) throw (this.exited = new Error(`the training worker did not answer within ${this.replyTimeoutMs / 1000} s`));
      const seen = Atomics.load(this.signal, 0);
      // The reply is posted before the signal moves, so a changed signal means a message to drain; the
      // timeout only bounds the wait if the worker died without replying.
      if (seen < seq) Atomics.wait(this.signal, 0, seen, Math.min(1000, this.replyTimeoutMs));
    }
  }
}
