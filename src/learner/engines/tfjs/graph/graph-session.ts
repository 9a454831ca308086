import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { nativeBackend } from '../native-ops';
import { feedName, type GraphBuilder, type GraphDtype, type TensorRef } from './graph-builder';

/** The parts of tfjs-node's backend that load and run a SavedModel's graph in a native session. */
interface SessionBackend {
  loadSavedModelMetaGraph(path: string, tags: string): number;
  runSavedModel(id: number, inputs: tf.Tensor[], inputInfos: Array<{ name: string; tfDtype: string }>, outputNames: string[]): tf.Tensor[];
  deleteSavedModel(id: number): void;
}

const TF_DTYPE: Record<GraphDtype, string> = { float32: 'DT_FLOAT', int32: 'DT_INT32', int64: 'DT_INT64' };

let live = 0;

/** How many graph sessions are loaded in this thread (each holds native memory until disposed). */
export function liveGraphSessions(): number {
  return live;
}

/** Whether the active backend can run graphs (tfjs-node). */
export function graphSessionsAvailable(): boolean {
  const b = nativeBackend() as unknown as Partial<SessionBackend> | undefined;
  return typeof b?.loadSavedModelMetaGraph === 'function' && typeof b.runSavedModel === 'function'
    && typeof b.deleteSavedModel === 'function';
}

/**
 * A graph loaded into a TensorFlow session of tfjs-node's native runtime: one call runs every node, so a
 * window of a few hundred ops pays TensorFlow's per-node cost (about a microsecond) instead of the eager
 * per-op cost of tfjs and the runtime (15–50 µs). The SavedModel is written to a temporary folder only
 * while it loads.
 */
export class GraphSession {
  private readonly backend: SessionBackend;
  private readonly id: number;
  private readonly feedInfos: Array<{ name: string; tfDtype: string }>;
  private readonly fetchNames: string[];
  private disposed = false;

  constructor(graph: GraphBuilder, feeds: ReadonlyArray<{ ref: TensorRef; dtype: GraphDtype }>, fetches: readonly TensorRef[]) {
    if (!graphSessionsAvailable()) throw new Error('graph sessions need the tfjs-node backend');
    this.backend = nativeBackend() as unknown as SessionBackend;
    const dir = mkdtempSync(join(tmpdir(), 'tbptt-graph-'));
    try {
      writeFileSync(join(dir, 'saved_model.pb'), graph.savedModel());
      this.id = this.backend.loadSavedModelMetaGraph(dir, 'serve');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    live++;
    this.feedInfos = feeds.map((f) => ({ name: feedName(f.ref), tfDtype: TF_DTYPE[f.dtype] }));
    this.fetchNames = fetches.map(feedName);
  }

  /** Runs the graph on `inputs` (in the order of the feeds); returns the fetches as new tensors. */
  run(inputs: tf.Tensor[]): tf.Tensor[] {
    if (this.disposed) throw new Error('internal: graph session used after dispose');
    if (inputs.length !== this.feedInfos.length) throw new Error(`internal: graph takes ${this.feedInfos.length} inputs, got ${inputs.length}`);
    return this.backend.runSavedModel(this.id, inputs, this.feedInfos, this.fetchNames);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    live--;
    this.backend.deleteSavedModel(this.id);
  }
}
