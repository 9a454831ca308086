import type { ParamSet } from '../model/param-set';

/** A JSON-serialisable optimizer state (buffers as plain number arrays keyed by parameter name). */
export interface OptimizerSnapshot {
  readonly kind: string;
  readonly step: number;
  readonly buffers: Record<string, Record<string, number[]>>;
}

/**
 * Updates parameters in place from gradients, PyTorch semantics. Bumps `params.version`.
 * The learning rate is passed per step, so schedules (e.g. scaling with K) stay outside.
 */
export interface Optimizer {
  readonly kind: string;
  step(params: ParamSet, grads: ParamSet, lr: number): void;
  snapshot(): OptimizerSnapshot;
  restore(snapshot: OptimizerSnapshot): void;
}

/** Per-parameter float32 buffers, created lazily with the parameter's size. */
export class BufferStore {
  private readonly buffers = new Map<string, Map<string, Float32Array>>();

  /** The buffer `slot` of parameter `name`, zero-filled on first use; `created` tells if it was new. */
  get(slot: string, name: string, size: number): { buf: Float32Array; created: boolean } {
    let bySlot = this.buffers.get(slot);
    if (!bySlot) this.buffers.set(slot, (bySlot = new Map()));
    let buf = bySlot.get(name);
    const created = !buf;
    if (!buf) bySlot.set(name, (buf = new Float32Array(size)));
    return { buf, created };
  }

  toJSON(): Record<string, Record<string, number[]>> {
    const out: Record<string, Record<string, number[]>> = {};
    for (const [slot, bySlot] of this.buffers) {
      out[slot] = {};
      for (const [name, buf] of bySlot) out[slot][name] = Array.from(buf);
    }
    return out;
  }

  load(json: Record<string, Record<string, number[]>>): void {
    this.buffers.clear();
    for (const [slot, bySlot] of Object.entries(json)) {
      const m = new Map<string, Float32Array>();
      for (const [name, arr] of Object.entries(bySlot)) m.set(name, Float32Array.from(arr));
      this.buffers.set(slot, m);
    }
  }
}
