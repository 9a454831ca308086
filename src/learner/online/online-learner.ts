import type { SequenceStep, StepOutcome } from '../../domain/sequence-step';
import type { Engine, LagNorms } from '../engines/engine';
import type { ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import { clipGradNorm, globalNorm } from '../optim/clip-grad-norm';
import type { LrScaling } from '../optim/lr-scaling';
import { scaledLearningRate } from '../optim/lr-scaling';
import type { Optimizer } from '../optim/optimizer';
import { KeyHistory, type KeyHistorySnapshot } from './key-history';
import { gatherWindow, packStates, unpackState } from './stream-batch';
import { windowPlan, windowStart, type TbpttScheme, type WindowPlan } from './window-plan';

export interface OnlineLearnerOptions {
  readonly spec: ModelSpec;
  readonly engine: Engine;
  /** Trained in place. */
  readonly params: ParamSet;
  readonly optimizer: Optimizer;
  readonly scheme: TbpttScheme;
  /** Initial truncation length K. */
  readonly k: number;
  readonly learningRate: number;
  readonly lrScaling: LrScaling;
  /** Clip on the summed window loss (the reference's convention); applied as clipNorm / k1 to the mean. 0 = off. */
  readonly clipNorm: number;
  /** Skip updates whose gradient norm (before clipping) exceeds this; 0 = no bound. Non-finite ones are always skipped. */
  readonly maxGradNorm: number;
  /** Steps retained per key (≥ max(diagnostic window, 2·kMax − 1) plus room for pending steps). */
  readonly historySteps: number;
  /**
   * Most streams (keys) in one window (default: no limit). Flushes group every key whose window has the
   * same shape; without a limit an idle flush of many keys becomes one window of thousands of streams,
   * whose scratch memory the engine then keeps. The service sets it to training.batchStreams.
   */
  readonly maxStreams?: number;
}

/** What one training window did. */
export interface WindowReport {
  /** Progressive-validation outcomes of the window's new steps, predicted before this update. */
  readonly outcomes: StepOutcome[];
  /** Mean loss over the new steps (before the update). */
  readonly loss: number;
  /** Streams (keys) in the window and its length in steps. */
  readonly streams: number;
  readonly steps: number;
  readonly k: number;
  /** Global gradient norm of the mean loss, before clipping. */
  readonly gradNorm: number;
  /** Why the update was skipped, if it was. */
  readonly skipped?: 'non-finite' | 'gradient-too-large';
  /** Wall time of the window (forward, backward, update), in seconds. */
  readonly durationSeconds: number;
}

/** The learner's own counters as data (keys, parameters and optimizer are saved separately). */
export interface OnlineLearnerGlobals {
  readonly k: number;
  readonly windows: number;
  readonly skippedUpdates: number;
}

/**
 * The online TBPTT learner over many keyed streams. Steps are observed per key; a key is ready once it
 * has k1 untrained steps; `learn` trains ready keys together as B streams of one window:
 * take stored detached states → forward k2 steps → losses on the newest k1 → backward → clip → step →
 * store states. Predictions come out of the same forward, before the update (progressive validation).
 */
export class OnlineLearner {
  private readonly keys = new Map<string, KeyHistory>();
  private readonly ready = new Set<string>();
  private plan: WindowPlan;
  private kValue: number;
  windows = 0;
  skippedUpdates = 0;
  /** Steps observed but not trained yet, over all keys (what backpressure bounds). */
  pendingSteps = 0;

  constructor(private readonly options: OnlineLearnerOptions) {
    this.kValue = options.k;
    this.plan = windowPlan(options.scheme, options.k);
  }

  /** Current truncation length K. */
  get k(): number {
    return this.kValue;
  }

  /** Changes K from the next window on (the learning rate follows if lrScaling says so). */
  setK(k: number): void {
    if (k === this.kValue) return;
    this.kValue = k;
    this.plan = windowPlan(this.options.scheme, k);
    this.ready.clear();
    for (const h of this.keys.values()) if (h.pending >= this.plan.newSteps) this.ready.add(h.key);
  }

  /** Learning rate used at the current K. */
  get learningRate(): number {
    return scaledLearningRate(this.options.learningRate, this.kValue, this.options.lrScaling);
  }

  get activeKeys(): number {
    return this.keys.size;
  }

  /** Keys with at least k1 untrained steps, in the order they became ready. */
  readyKeys(): string[] {
    return [...this.ready];
  }

  /** Whether the key holds k1 untrained steps (it is waiting for its window). */
  isReady(key: string): boolean {
    return this.ready.has(key);
  }

  history(key: string): KeyHistory | undefined {
    return this.keys.get(key);
  }

  /** Drops a key's history and state (revoked partition, evicted key); returns it, e.g. to persist it. */
  forget(key: string): KeyHistory | undefined {
    const h = this.keys.get(key);
    if (!h) return undefined;
    this.keys.delete(key);
    this.ready.delete(key);
    this.pendingSteps -= h.waiting;
    return h;
  }

  /** K and the counters as data. */
  globals(): OnlineLearnerGlobals {
    return { k: this.kValue, windows: this.windows, skippedUpdates: this.skippedUpdates };
  }

  /** Restores K and the counters (keys are adopted separately, see {@link adopt}). */
  restoreGlobals(g: OnlineLearnerGlobals): void {
    if (!Number.isInteger(g?.k) || g.k < 1 || !Number.isInteger(g.windows) || !Number.isInteger(g.skippedUpdates)) {
      throw new RangeError('learner state: k, windows and skippedUpdates must be integers (k ≥ 1)');
    }
    this.setK(g.k);
    this.windows = g.windows;
    this.skippedUpdates = g.skippedUpdates;
  }

  /** Every key, in the learner's order (which diagnostic sampling and flushing follow). */
  keyNames(): string[] {
    return [...this.keys.keys()];
  }

  /** A key's history as data (undefined for an unknown key). */
  snapshotKey(key: string): KeyHistorySnapshot | undefined {
    return this.keys.get(key)?.snapshot();
  }

  /**
   * Takes over keys' histories (restored from a checkpoint, from another instance, or after eviction), in
   * the given order; any the learner had under those names are replaced. `readyOrder` lists ready keys in
   * the order they became ready, so that windows take them as they would have.
   */
  adopt(histories: readonly KeyHistorySnapshot[], readyOrder: readonly string[] = []): void {
    const adopted = new Set<string>();
    for (const snap of histories) {
      const h = KeyHistory.restore(this.options.spec, this.options.historySteps, snap);
      this.forget(h.key);
      this.keys.set(h.key, h);
      this.pendingSteps += h.waiting;
      adopted.add(h.key);
    }
    const isReady = (key: string) => (this.keys.get(key)?.pending ?? 0) >= this.plan.newSteps;
    for (const key of readyOrder) if (adopted.has(key) && isReady(key)) this.ready.add(key);
    for (const key of adopted) if (isReady(key)) this.ready.add(key);
  }

  /** Replaces every stored hidden state that holds a non-finite number by the zero state; returns how many. */
  resetNonFiniteStates(): number {
    let n = 0;
    for (const h of this.keys.values()) {
      for (const s of h.snapshots) {
        if (s.state.every(Number.isFinite)) continue;
        s.state.fill(0);
        n++;
      }
    }
    return n;
  }

  /** Appends one step to its key's history. Returns 'ready' when the key has just become ready to train. */
  observe(step: SequenceStep): 'ready' | undefined {
    let h = this.keys.get(step.key);
    if (!h) this.keys.set(step.key, (h = new KeyHistory(step.key, this.options.spec, this.options.historySteps)));
    h.append(step, this.plan.length - this.plan.newSteps);
    this.pendingSteps++;
    if (h.pending >= this.plan.newSteps && !this.ready.has(step.key)) {
      this.ready.add(step.key);
      return 'ready';
    }
    return undefined;
  }

  /**
   * Trains the given ready keys, k1 new steps each. Keys whose windows have the same length share one
   * window (one optimizer step); in steady state that is all of them.
   */
  learn(keys: readonly string[]): WindowReport[] {
    for (const key of keys) {
      const h = this.keys.get(key);
      if (!h || h.pending < this.plan.newSteps) throw new Error(`key ${key} is not ready to train`);
    }
    return this.trainGrouped(keys, () => this.plan.newSteps);
  }

  /**
   * Trains every untrained step of the given keys (default: all keys), in windows shorter than k1 where
   * fewer than k1 steps wait: used before a key leaves this instance (shutdown, revoked partition), so that
   * every consumed record is trained once. The windows keep the scheme's context (k2 − k1 steps).
   */
  flush(keys: readonly string[] = [...this.keys.keys()]): WindowReport[] {
    const reports: WindowReport[] = [];
    const of = (k: string) => this.keys.get(k);
    let rest = keys.filter((k) => (of(k)?.waiting ?? 0) > 0);
    // Full windows while any key holds k1 steps, then each key's remainder; queued steps move in as room frees.
    while (rest.length > 0) {
      const full = rest.filter((k) => of(k)!.pending >= this.plan.newSteps);
      const partial = rest.filter((k) => of(k)!.pending > 0);
      if (full.length > 0) reports.push(...this.learn(full));
      else if (partial.length > 0) reports.push(...this.trainGrouped(partial, (h) => h.pending));
      else throw new Error(`keys ${rest.join(', ')} have queued steps but none in their history`);
      rest = rest.filter((k) => of(k)!.waiting > 0);
    }
    return reports;
  }

  /** Groups keys whose windows have the same length and new-step count; one window (optimizer step) per group. */
  private trainGrouped(keys: readonly string[], newSteps: (h: KeyHistory) => number): WindowReport[] {
    const groups = new Map<string, { k1: number; keys: KeyHistory[] }>();
    for (const key of keys) {
      const h = this.keys.get(key)!;
      const k1 = newSteps(h);
      const steps = h.trained + k1 - this.contextStart(h);
      const id = `${steps}/${k1}`;
      let g = groups.get(id);
      if (!g) groups.set(id, (g = { k1, keys: [] }));
      g.keys.push(h);
    }
    const max = this.options.maxStreams ?? Infinity;
    const reports: WindowReport[] = [];
    for (const g of groups.values()) {
      for (let i = 0; i < g.keys.length; i += max) reports.push(this.trainWindow(g.keys.slice(i, i + max), g.k1));
    }
    return reports;
  }

  private trainWindow(keys: KeyHistory[], k1: number): WindowReport {
    const started = performance.now();
    const { spec, engine, params, optimizer } = this.options;
    const B = keys.length;

    // 1. Take the stored detached states and gather the window [start, start + T) per stream.
    const starts = keys.map((h) => this.contextStart(h));
    const T = keys[0].trained + k1 - starts[0];
    const initial = packStates(spec, keys.map((h, b) => this.stateEntering(h, starts[b])));
    const window = gatherWindow(spec, keys, starts, T);

    // 2. Forward T steps, losses on the newest k1, backward (the engine's hand-derived pass).
    const lossFrom = T - k1;
    const nextStarts = keys.map((h) => windowStart(this.plan, h.trained + k1));
    const carryAfter = nextStarts[0] - starts[0] - 1; // the same for every stream of the group
    const keepStatesAfter = carryAfter >= 0 && carryAfter < T - 1 ? [carryAfter] : [];
    const result = engine.trainWindow(spec, params, window, initial, { lossFrom, outputsFrom: lossFrom, keepStatesAfter });

    // 3. Score: progressive-validation outcomes, predicted before this update.
    const C = spec.outputSize;
    const outcomes: StepOutcome[] = [];
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < k1; i++) {
        const pos = keys[b].trained + i;
        outcomes.push({
          key: keys[b].key,
          source: keys[b].sourceAt(pos),
          output: result.outputs[i].slice(b * C, (b + 1) * C),
          loss: result.stepLosses[i][b],
        });
      }
    }

    // 4. Clip and step (skipped when the loss or gradient is not finite, or the gradient explodes).
    const gradNorm = globalNorm(result.grads);
    let skipped: WindowReport['skipped'];
    if (!Number.isFinite(result.loss) || !Number.isFinite(gradNorm)) skipped = 'non-finite';
    else if (this.options.maxGradNorm > 0 && gradNorm > this.options.maxGradNorm) skipped = 'gradient-too-large';
    if (skipped) {
      this.skippedUpdates++;
    } else {
      if (this.options.clipNorm > 0) clipGradNorm(result.grads, this.options.clipNorm / k1);
      optimizer.step(params, result.grads, this.learningRate);
    }

    // 5. Store the detached states for the next windows and mark the new steps trained.
    const minSpacing = Math.max(8, k1);
    for (let b = 0; b < B; b++) {
      const h = keys[b];
      if (keepStatesAfter.length > 0) h.addSnapshot(nextStarts[b], unpackState(spec, result.keptStates[0], b), minSpacing);
      h.addSnapshot(starts[b] + T, unpackState(spec, result.finalState, b), minSpacing);
      h.markTrained(k1);
      this.pendingSteps -= k1;
      h.drainInbox(this.plan.length - this.plan.newSteps);
      if (h.pending < this.plan.newSteps) this.ready.delete(h.key);
    }
    this.windows++;
    const durationSeconds = (performance.now() - started) / 1000;
    return { outcomes, loss: result.loss, streams: B, steps: T, k: this.kValue, gradNorm, durationSeconds, ...(skipped ? { skipped } : {}) };
  }

  /**
   * Runs the diagnostic pass (method.md 1.2) over the last `window` steps of up to `streams` keys that
   * have that much retained history, each starting from its real stored state `window` steps back.
   * Returns undefined when no key has enough history.
   */
  diagnose(window: number, streams: number, pick: (candidates: KeyHistory[], n: number) => KeyHistory[] = (c, n) => c.slice(0, n)): LagNorms | undefined {
    const candidates = [...this.keys.values()].filter((h) => h.total >= window && h.total - window >= h.oldest
      && h.snapshotAtOrBefore(h.total - window) !== undefined);
    if (candidates.length === 0) return undefined;
    const chosen = pick(candidates, streams);
    const starts = chosen.map((h) => h.total - window);
    const initial = packStates(this.options.spec, chosen.map((h, b) => this.stateEntering(h, starts[b])));
    const win = gatherWindow(this.options.spec, chosen, starts, window);
    return this.options.engine.diagnose(this.options.spec, this.options.params, win, initial);
  }

  /**
   * Where the window training key `h`'s next steps starts: k2 − k1 steps of context before its first
   * untrained step, but never before the oldest stored state still in its history (after K grows while
   * many steps wait, the full context may have left the ring; the window then has less context).
   */
  private contextStart(h: KeyHistory): number {
    const wanted = windowStart(this.plan, h.trained);
    if (h.snapshotAtOrBefore(wanted) !== undefined) return wanted;
    const usable = h.snapshots.find((s) => s.pos >= h.oldest && s.pos <= h.trained);
    if (!usable) throw new Error(`key ${h.key}: no stored state between ${h.oldest} and ${h.trained}`);
    return usable.pos;
  }

  /** The detached state entering `pos` for key `h`: a stored snapshot, advanced by a forward pass if needed. */
  private stateEntering(h: KeyHistory, pos: number): Float32Array {
    const snap = h.snapshotAtOrBefore(pos);
    if (!snap) throw new Error(`key ${h.key}: no stored state at or before position ${pos}`);
    if (snap.pos === pos) return snap.state;
    const { spec, engine, params } = this.options;
    const gap = gatherWindow(spec, [h], [snap.pos], pos - snap.pos);
    const out = engine.forward(spec, params, gap, packStates(spec, [snap.state]));
    return unpackState(spec, out.finalState, 0);
  }
}
