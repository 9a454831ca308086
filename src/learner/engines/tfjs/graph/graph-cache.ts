import type { ModelSpec } from '../../../model/model-spec';
import { GraphSession } from './graph-session';
import type { BuiltGraph } from './lstm-graph-forward';

/**
 * Loaded graphs of one kind (training windows, diagnostic passes) by model and shape, least recently used
 * evicted beyond `capacity` (each holds a native session). Loading one takes 15–70 ms, a few windows' time,
 * so a shape gets its graph only from its `buildAt`-th request on (until then the caller runs eagerly): the
 * service's windows mostly come in a few shapes (K moves slowly, B is mostly the batch size), and a shape
 * seen once does not cost a load.
 */
export class GraphCache<Shape> {
  private readonly sessions = new Map<string, GraphSession>();
  private readonly requests = new Map<string, number>();

  constructor(private readonly build: (spec: ModelSpec, shape: Shape) => BuiltGraph, private readonly buildAt = 2,
    private readonly capacity = 16) {}

  /** The graph for this shape, or undefined while the shape has been asked for fewer than buildAt times. */
  get(spec: ModelSpec, shape: Shape): GraphSession | undefined {
    const key = JSON.stringify([spec.cell, spec.layers, spec.inputSize, spec.inputKind, spec.embedSize, spec.hiddenSize,
      spec.outputSize, spec.head, shape]);
    let session = this.sessions.get(key);
    if (session) {
      this.sessions.delete(key);
    } else {
      const seen = (this.requests.get(key) ?? 0) + 1;
      if (seen < this.buildAt) {
        if (this.requests.size >= MAX_COUNTED) this.requests.clear();
        this.requests.set(key, seen);
        return undefined;
      }
      this.requests.delete(key);
      const { graph, feeds, fetches } = this.build(spec, shape);
      session = new GraphSession(graph, feeds, fetches);
    }
    this.sessions.set(key, session);
    while (this.sessions.size > this.capacity) {
      const oldest = this.sessions.keys().next().value as string;
      this.sessions.get(oldest)?.dispose();
      this.sessions.delete(oldest);
    }
    return session;
  }

  /** How many graphs are loaded. */
  get size(): number {
    return this.sessions.size;
  }

  clear(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
    this.requests.clear();
  }
}

/** Shapes whose requests are counted before the count starts over. */
const MAX_COUNTED = 1024;
