import type { EngineName } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { OptimizerConfig } from '../optim/create-optimizer';

/** What the event loop's thread asks the training worker; `seq` numbers requests, replies carry it back. */
export type WorkerRequest = { readonly seq: number; readonly paramsVersion: number } & (
  | { readonly op: 'init'; readonly spec: ModelSpec; readonly batch: number; readonly engine: EngineName | 'auto';
    readonly params: ReadonlyArray<readonly [string, readonly number[], Float32Array]>; readonly optimizer: OptimizerConfig;
    /** Int32Array over a SharedArrayBuffer: slot 0 holds the seq of the newest reply, slot 1 is 1 once the worker has exited. */
    readonly signal: Int32Array }
  | { readonly op: 'step'; readonly job: unknown }
  | { readonly op: 'forward' | 'trainWindow' | 'diagnose'; readonly args: unknown[] }
  | { readonly op: 'optimizer-snapshot' }
  | { readonly op: 'optimizer-restore'; readonly snapshot: unknown }
);

export type WorkerReply =
  | { readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly seq: number; readonly ok: false; readonly message: string; readonly stack?: string };

/** Posted on the worker's parent port after every reply, so that an idle event loop wakes up for it. */
export interface WorkerDone {
  readonly done: number;
}
