import type { ParamSet } from '../model/param-set';
import { BufferStore, type Optimizer, type OptimizerSnapshot } from './optimizer';

export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  /** L2 penalty added to the gradient (torch.optim.Adam's weight_decay, not AdamW). */
  readonly weightDecay?: number;
}

/** Adam exactly as torch.optim.Adam (bias-corrected moments, eps outside the square root). */
export class Adam implements Optimizer {
  readonly kind = 'adam';
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly eps: number;
  private readonly weightDecay: number;
  private readonly store = new BufferStore();
  private steps = 0;

  constructor(options: AdamOptions = {}) {
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.eps = options.eps ?? 1e-8;
    this.weightDecay = options.weightDecay ?? 0;
  }

  step(params: ParamSet, grads: ParamSet, lr: number): void {
    const { beta1: b1, beta2: b2, eps, weightDecay: wd } = this;
    const t = ++this.steps;
    const bc1 = 1 - Math.pow(b1, t);
    const sqrtBc2 = Math.sqrt(1 - Math.pow(b2, t));
    const stepSize = lr / bc1;
    for (const [name, p] of params.tensors) {
      const g = grads.tensors.get(name);
      if (!g) continue;
      const w = p.data;
      const gd = g.data;
      const m = this.store.get('exp_avg', name, w.length).buf;
      const v = this.store.get('exp_avg_sq', name, w.length).buf;
      for (let i = 0; i < w.length; i++) {
        const d = gd[i] + wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        w[i] -= (stepSize * m[i]) / (Math.sqrt(v[i]) / sqrtBc2 + eps);
      }
    }
    params.version++;
  }

  snapshot(): OptimizerSnapshot {
    return { kind: this.kind, step: this.steps, buffers: this.store.toJSON() };
  }

  restore(snapshot: OptimizerSnapshot): void {
    if (snapshot.kind !== this.kind) throw new Error(`cannot restore a ${snapshot.kind} optimizer state into adam`);
    this.steps = snapshot.step;
    this.store.load(snapshot.buffers);
  }
}
