import type { ParamSet } from '../model/param-set';
import { BufferStore, type Optimizer, type OptimizerSnapshot } from './optimizer';

export interface SgdOptions {
  /** Momentum factor (0 = plain SGD). */
  readonly momentum?: number;
  /** Dampening for momentum (PyTorch default 0). */
  readonly dampening?: number;
  /** L2 penalty added to the gradient (PyTorch's weight_decay). */
  readonly weightDecay?: number;
  readonly nesterov?: boolean;
}

/** Stochastic gradient descent exactly as torch.optim.SGD (weight decay, momentum, dampening, Nesterov). */
export class Sgd implements Optimizer {
  readonly kind = 'sgd';
  private readonly momentum: number;
  private readonly dampening: number;
  private readonly weightDecay: number;
  private readonly nesterov: boolean;
  private readonly store = new BufferStore();
  private steps = 0;

  constructor(options: SgdOptions = {}) {
    this.momentum = options.momentum ?? 0;
    this.dampening = options.dampening ?? 0;
    this.weightDecay = options.weightDecay ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (this.nesterov && (this.momentum <= 0 || this.dampening !== 0)) {
      throw new RangeError('optimizer.nesterov needs momentum > 0 and dampening = 0');
    }
  }

  step(params: ParamSet, grads: ParamSet, lr: number): void {
    const { momentum: mu, dampening, weightDecay: wd, nesterov } = this;
    for (const [name, p] of params.tensors) {
      const g = grads.tensors.get(name);
      if (!g) continue;
      const w = p.data;
      const gd = g.data;
      if (mu === 0) {
        for (let i = 0; i < w.length; i++) w[i] -= lr * (gd[i] + wd * w[i]);
        continue;
      }
      const { buf, created } = this.store.get('momentum', name, w.length);
      for (let i = 0; i < w.length; i++) {
        const d = gd[i] + wd * w[i];
        buf[i] = created ? d : mu * buf[i] + (1 - dampening) * d;
        w[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
      }
    }
    this.steps++;
    params.version++;
  }

  snapshot(): OptimizerSnapshot {
    return { kind: this.kind, step: this.steps, buffers: this.store.toJSON() };
  }

  restore(snapshot: OptimizerSnapshot): void {
    if (snapshot.kind !== this.kind) throw new Error(`cannot restore a ${snapshot.kind} optimizer state into sgd`);
    this.steps = snapshot.step;
    this.store.load(snapshot.buffers);
  }
}
