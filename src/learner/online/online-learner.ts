import type { SequenceStep, StepOutcome } from '../../domain/sequence-step';
import type { Engine, LagNorms } from '../engines/engine';
import { stateSize, type ModelSpec } from '../model/model-spec';
import type { ParamSet } from '../model/param-set';
import type { LrScaling } from '../optim/lr-scaling';
import { scaledLearningRate } from '../optim/lr-scaling';
import type { Optimizer } from '../optim/optimizer';
import { KeyHistory, type KeyHistorySnapshot } from './key-history';
import { gatherWindow, packStates, unpackState } from './stream-batch';
import { windowPlan, windowStart, type TbpttScheme, type WindowPlan } from './window-plan';
import { inlineRunner, type WindowRunner, type WindowStepJob, type WindowStepResult } from './window-step';

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
  /**
   * Where window steps (forward, backward, update) run; default: at once on this thread with `engine`,
   * `params` and `optimizer`. A worker runner lets {@link OnlineLearner.begin} overlap a window with
   * everything else this thread does.
   */
  readonly runner?: WindowRunner;
  /**
   * The group a step's key counts towards in {@link OnlineLearner.pendingIn} (the service: the step's Kafka
   * partition, so that backpressure can hold back only the partitions whose keys hold the backlog). A key's
   * waiting steps count towards the group of its latest step. Default: no groups.
   */
  readonly groupOf?: (step: SequenceStep) => string | undefined;
}

/** Untrained steps of a group of keys, and how many of its keys hold any. */
export interface GroupLoad {
  steps: number;
  keys: number;
}

const NO_LOAD: Readonly<GroupLoad> = Object.freeze({ steps: 0, keys: 0 });

/** A window handed to the runner: what its result is applied to. */
interface PreparedWindow {
  readonly keys: KeyHistory[];
  readonly k1: number;
  readonly starts: number[];
  readonly T: number;
  readonly nextStarts: number[];
  readonly keepStatesAfter: number[];
  /** First new position per stream, and the sources of the new steps (taken before they are marked trained). */
  readonly firstNew: number[];
  readonly sources: Array<Array<StepOutcome['source']>>;
  readonly started: number;
  readonly job: WindowStepJob;
  /** Snapshots stored when the window was handed over, filled in once its step has run. */
  readonly placeholders: Array<{ readonly b: number; readonly kept: boolean; readonly state: Float32Array }>;
}

/**
 * Windows handed over and not applied yet, at most: enough queued work for the worker to bridge this
 * thread's longer tasks (publishing a fetch's predictions, the next fetch).
 */
const MAX_IN_FLIGHT = 8;

/** A window that finished after {@link OnlineLearner.begin} returned: its report, or why it failed. */
export type LateWindow = { readonly report: WindowReport } | { readonly error: Error };

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
  /** The same per group (options.groupOf), with how many keys hold them; keys without a group count only in pendingSteps. */
  private readonly groupPending = new Map<string, GroupLoad>();
  private readonly runner: WindowRunner;
  /** Windows handed to the runner and not applied yet, oldest first. */
  private readonly inFlight: PreparedWindow[] = [];
  /** Keys in windows in flight → how many such windows. */
  private readonly inFlightKeys = new Map<string, number>();
  /** States of snapshots that windows in flight will fill in → where they come from. */
  private readonly unfilled = new Map<Float32Array, { readonly window: PreparedWindow; readonly b: number; readonly kept: boolean }>();
  private lateListener: ((w: LateWindow) => void) | undefined;

  constructor(private readonly options: OnlineLearnerOptions) {
    this.kValue = options.k;
    this.plan = windowPlan(options.scheme, options.k);
    this.runner = options.runner ?? inlineRunner(options.engine, options.spec, options.params, options.optimizer);
  }

  /** Windows handed over by {@link begin} whose reports have not been delivered yet. */
  get windowsInFlight(): number {
    return this.inFlight.length;
  }

  /**
   * Where windows started by {@link begin} report once they are applied (in training order; reports that
   * finished with no listener set wait for the next one). Undefined removes the listener.
   */
  onLateWindow(listener: ((w: LateWindow) => void) | undefined): void {
    this.lateListener = listener;
    if (listener && this.undelivered.length > 0 && !this.delivering) this.deliver(this.undelivered.shift()!);
  }

  /**
   * Applies the window started by {@link begin} once its step has run: waits for it when `wait`, else
   * only if it has finished. Its report goes to the late-window listener. Returns whether nothing is left
   * in flight. Every method that reads or changes what that window changes calls this first.
   */
  settle(wait = true): boolean {
    while (this.inFlight.length > 0) {
      const late = this.collect(wait);
      if (!late) return false;
      this.deliver(late);
    }
    return true;
  }

  /** Applies the windows in flight if one of them trains `key` (its history is about to be read or changed). */
  private settleKey(key: string): void {
    if (this.inFlightKeys.has(key)) this.settle();
  }

  /** Applies the oldest window in flight once its step has run (waiting for it if `wait`); undefined while it runs. */
  private collect(wait: boolean): LateWindow | undefined {
    const w = this.inFlight[0];
    if (!w) return undefined;
    let result: WindowStepResult | undefined;
    try {
      result = this.runner.collect(wait);
    } catch (e) {
      this.landed(w);
      return { error: e as Error };
    }
    if (!result) return undefined;
    this.landed(w);
    try {
      return { report: this.applyWindow(w, result, true) };
    } catch (e) {
      return { error: e as Error };
    }
  }

  /** The oldest window in flight has come back from the runner. */
  private landed(w: PreparedWindow): void {
    this.inFlight.shift();
    for (const h of w.keys) {
      const n = this.inFlightKeys.get(h.key)! - 1;
      if (n > 0) this.inFlightKeys.set(h.key, n);
      else this.inFlightKeys.delete(h.key);
    }
  }

  private readonly undelivered: LateWindow[] = [];
  private delivering = false;

  /**
   * Hands late windows to the listener in training order. A window applied while the listener is busy
   * with an earlier one (its handling ran a diagnostic, which applies the window in flight) waits its turn.
   */
  private deliver(late: LateWindow): void {
    this.undelivered.push(late);
    if (this.delivering) return;
    this.delivering = true;
    try {
      while (this.lateListener && this.undelivered.length > 0) this.lateListener(this.undelivered.shift()!);
    } finally {
      this.delivering = false;
    }
  }

  /** Current truncation length K. */
  get k(): number {
    return this.kValue;
  }

  /** Changes K from the next window on (the learning rate follows if lrScaling says so). */
  setK(k: number): void {
    if (k === this.kValue) return;
    this.settle();
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

  /** Steps observed and not trained yet of the keys in `group`, and how many keys hold them (see options.groupOf). */
  pendingIn(group: string): Readonly<GroupLoad> {
    return this.groupPending.get(group) ?? NO_LOAD;
  }

  /** Groups holding untrained steps. */
  pendingGroups(): ReadonlyMap<string, Readonly<GroupLoad>> {
    return this.groupPending;
  }

  /** A key of `group` that held `before` untrained steps holds `after`. */
  private countPending(group: string | undefined, before: number, after: number): void {
    if (group === undefined || before === after) return;
    const load = this.groupPending.get(group) ?? { steps: 0, keys: 0 };
    load.steps += after - before;
    load.keys += (after > 0 ? 1 : 0) - (before > 0 ? 1 : 0);
    if (load.steps > 0) this.groupPending.set(group, load);
    else this.groupPending.delete(group);
  }

  /** Keys with at least k1 untrained steps, in the order they became ready (the first `limit` of them). */
  readyKeys(limit = Infinity): string[] {
    if (limit >= this.ready.size) return [...this.ready];
    const out: string[] = [];
    for (const key of this.ready) {
      if (out.length >= limit) break;
      out.push(key);
    }
    return out;
  }

  /** How many keys are ready (without copying them, see {@link readyKeys}). */
  get readyCount(): number {
    return this.ready.size;
  }

  /** Whether the key holds k1 untrained steps (it is waiting for its window). */
  isReady(key: string): boolean {
    return this.ready.has(key);
  }

  history(key: string): KeyHistory | undefined {
    this.settleKey(key);
    return this.keys.get(key);
  }

  /** Steps of `key` waiting to be trained (0 for an unknown key); does not wait for a window in flight. */
  waitingSteps(key: string): number {
    return this.keys.get(key)?.waiting ?? 0;
  }

  /** Drops a key's history and state (revoked partition, evicted key); returns it, e.g. to persist it. */
  forget(key: string): KeyHistory | undefined {
    this.settleKey(key);
    const h = this.keys.get(key);
    if (!h) return undefined;
    this.keys.delete(key);
    this.ready.delete(key);
    this.pendingSteps -= h.waiting;
    this.countPending(h.group, h.waiting, 0);
    return h;
  }

  /** K and the counters as data. */
  globals(): OnlineLearnerGlobals {
    this.settle();
    return { k: this.kValue, windows: this.windows, skippedUpdates: this.skippedUpdates };
  }

  /** Restores K and the counters (keys are adopted separately, see {@link adopt}). */
  restoreGlobals(g: OnlineLearnerGlobals): void {
    if (!Number.isInteger(g?.k) || g.k < 1 || !Number.isInteger(g.windows) || !Number.isInteger(g.skippedUpdates)) {
      throw new RangeError('learner state: k, windows and skippedUpdates must be integers (k ≥ 1)');
    }
    this.settle();
    this.setK(g.k);
    this.windows = g.windows;
    this.skippedUpdates = g.skippedUpdates;
  }

  /** Every key, in the learner's order (which diagnostic sampling and flushing follow). */
  keyNames(): string[] {
    this.settle();
    return [...this.keys.keys()];
  }

  /** A key's history as data (undefined for an unknown key). */
  snapshotKey(key: string): KeyHistorySnapshot | undefined {
    this.settleKey(key);
    return this.keys.get(key)?.snapshot();
  }

  /**
   * Takes over keys' histories (restored from a checkpoint, from another instance, or after eviction), in
   * the given order; any the learner had under those names are replaced. `readyOrder` lists ready keys in
   * the order they became ready, so that windows take them as they would have.
   */
  adopt(histories: readonly KeyHistorySnapshot[], readyOrder: readonly string[] = [], groupOf: (key: string) => string | undefined = () => undefined): void {
    for (const snap of histories) this.settleKey(snap?.key);
    const adopted = new Set<string>();
    for (const snap of histories) {
      const h = KeyHistory.restore(this.options.spec, this.options.historySteps, snap);
      this.forget(h.key);
      this.keys.set(h.key, h);
      h.group = groupOf(h.key);
      this.pendingSteps += h.waiting;
      this.countPending(h.group, 0, h.waiting);
      adopted.add(h.key);
    }
    const isReady = (key: string) => (this.keys.get(key)?.pending ?? 0) >= this.plan.newSteps;
    for (const key of readyOrder) if (adopted.has(key) && isReady(key)) this.ready.add(key);
    for (const key of adopted) if (isReady(key)) this.ready.add(key);
  }

  /** Replaces every stored hidden state that holds a non-finite number by the zero state; returns how many. */
  resetNonFiniteStates(): number {
    this.settle();
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
    const group = this.options.groupOf?.(step);
    const waiting = h.waiting;
    if (group !== h.group) {
      this.countPending(h.group, waiting, 0);
      h.group = group;
      this.countPending(group, 0, waiting);
    }
    h.append(step, this.plan.length - this.plan.newSteps);
    this.pendingSteps++;
    this.countPending(group, waiting, waiting + 1);
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
    this.settle();
    this.checkReady(keys);
    return this.trainGrouped(keys, () => this.plan.newSteps);
  }

  /**
   * Like {@link learn}, but a window that is one optimizer step is handed to the runner and this returns at
   * once, with no reports; the window's report comes to the late-window listener once it is applied
   * ({@link settle}). Keys and counters are updated at once as if the window had trained, so which keys
   * are ready, and thus which windows run in which order, is the same as with {@link learn}. A window
   * still in flight is applied first, and reported once the new one is handed over (its handling then
   * overlaps the new window; it must not change K or run diagnostics, see
   * TruncationController.dueAfterNextWindow). With a runner that cannot hand over, or several windows,
   * this is {@link learn}.
   */
  begin(keys: readonly string[]): WindowReport[] {
    // Windows in flight are applied as room is needed, but reported only once the new one is handed over.
    const applied: LateWindow[] = [];
    const report = (): void => { for (const late of applied.splice(0)) this.deliver(late); };
    const applyAll = (): void => { while (this.inFlight.length > 0) applied.push(this.collect(true)!); };
    while (this.inFlight.length >= MAX_IN_FLIGHT) applied.push(this.collect(true)!);
    if (applied.some((late) => 'error' in late)) {
      report();
      return [];
    }
    this.checkReady(keys);
    const k1 = this.plan.newSteps;
    const hs = keys.map((k) => this.keys.get(k)!);
    const length = (h: KeyHistory) => h.trained + k1 - this.contextStart(h);
    const oneWindow = hs.length <= (this.options.maxStreams ?? Infinity) && hs.every((h) => length(h) === length(hs[0]));
    // A window that needs a state a window in flight has not produced yet, other than one it stores: apply them first.
    if (!oneWindow || hs.some((h) => this.needsUnfilled(h))) applyAll();
    const w = oneWindow ? this.prepareWindow(hs, k1) : undefined;
    if (!w || !this.runner.submit(w.job)) {
      applyAll();
      report();
      return w ? [this.applyWindow(w, this.runner.run(w.job), false)] : this.trainGrouped(keys, () => k1);
    }
    this.inFlight.push(w);
    for (const h of w.keys) this.inFlightKeys.set(h.key, (this.inFlightKeys.get(h.key) ?? 0) + 1);
    this.storePlaceholders(w);
    this.markWindowTrained(w);
    report();
    return [];
  }

  /** Whether key `h`'s next window would start from an unfilled state through a forward pass (not directly). */
  private needsUnfilled(h: KeyHistory): boolean {
    const start = this.contextStart(h);
    const snap = h.snapshotAtOrBefore(start);
    return snap !== undefined && snap.pos !== start && this.unfilled.has(snap.state);
  }

  /** Stores the states a handed-over window will produce as snapshots to be filled in when it is applied. */
  private storePlaceholders(w: PreparedWindow): void {
    const size = stateSize(this.options.spec);
    const minSpacing = Math.max(8, w.k1);
    w.keys.forEach((h, b) => {
      const add = (pos: number, kept: boolean) => {
        const state = new Float32Array(size);
        w.placeholders.push({ b, kept, state });
        this.unfilled.set(state, { window: w, b, kept });
        h.addSnapshot(pos, state, minSpacing);
      };
      if (w.keepStatesAfter.length > 0) add(w.nextStarts[b], true);
      add(w.starts[b] + w.T, false);
    });
  }

  private checkReady(keys: readonly string[]): void {
    for (const key of keys) {
      const h = this.keys.get(key);
      if (!h || h.pending < this.plan.newSteps) throw new Error(`key ${key} is not ready to train`);
    }
  }

  /**
   * Trains every untrained step of the given keys (default: all keys), in windows shorter than k1 where
   * fewer than k1 steps wait: used before a key leaves this instance (shutdown, revoked partition), so that
   * every consumed record is trained once. The windows keep the scheme's context (k2 − k1 steps).
   */
  flush(keys?: readonly string[]): WindowReport[] {
    this.settle();
    keys ??= [...this.keys.keys()];
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
      for (let i = 0; i < g.keys.length; i += max) {
        const w = this.prepareWindow(g.keys.slice(i, i + max), g.k1);
        reports.push(this.applyWindow(w, this.runner.run(w.job), false));
      }
    }
    return reports;
  }

  /** Gathers a window of k1 new steps for the given keys (one group: same length) and its step job. */
  private prepareWindow(keys: KeyHistory[], k1: number): PreparedWindow {
    const started = performance.now();
    const { spec } = this.options;

    // 1. Take the stored detached states and gather the window [start, start + T) per stream.
    const starts = keys.map((h) => this.contextStart(h));
    const T = keys[0].trained + k1 - starts[0];
    const states = keys.map((h, b) => this.stateEntering(h, starts[b]));
    const initial = packStates(spec, states);
    const window = gatherWindow(spec, keys, starts, T);
    // States the window in flight has not produced yet come from its result, in the worker.
    const carried = states.map((st) => this.unfilled.get(st));
    const back = (w: PreparedWindow) => {
      const i = this.inFlight.indexOf(w);
      if (i < 0) throw new Error('a window carries state from a window that is not in flight');
      return this.inFlight.length - i;
    };
    const carry = carried.some((c) => c !== undefined)
      ? carried.map((c) => (c ? { stream: c.b, kept: c.kept, back: back(c.window) } : null)) : undefined;

    // 2. Forward T steps, losses on the newest k1, backward (the engine's hand-derived pass), clip, step:
    //    skipped when the loss or gradient is not finite, or the gradient explodes.
    const lossFrom = T - k1;
    const nextStarts = keys.map((h) => windowStart(this.plan, h.trained + k1));
    const carryAfter = nextStarts[0] - starts[0] - 1; // the same for every stream of the group
    const keepStatesAfter = carryAfter >= 0 && carryAfter < T - 1 ? [carryAfter] : [];
    const job: WindowStepJob = {
      window, initial, options: { lossFrom, outputsFrom: lossFrom, keepStatesAfter }, learningRate: this.learningRate,
      clipNorm: this.options.clipNorm > 0 ? this.options.clipNorm / k1 : 0, maxGradNorm: this.options.maxGradNorm,
      ...(carry ? { carry } : {}),
    };
    const firstNew = keys.map((h) => h.trained);
    const sources = keys.map((h) => Array.from({ length: k1 }, (_, i) => h.sourceAt(h.trained + i)));
    return { keys, k1, starts, T, nextStarts, keepStatesAfter, firstNew, sources, started, job, placeholders: [] };
  }

  /** Marks a window's new steps trained and updates which keys are ready (before or after its step ran). */
  private markWindowTrained(w: PreparedWindow): void {
    for (const h of w.keys) {
      const waiting = h.waiting;
      h.markTrained(w.k1);
      this.pendingSteps -= w.k1;
      this.countPending(h.group, waiting, waiting - w.k1);
      h.drainInbox(this.plan.length - this.plan.newSteps);
      if (h.pending < this.plan.newSteps) this.ready.delete(h.key);
    }
  }

  /** Scores the window's steps, stores the carried states and counts the window; `marked`: steps already marked trained. */
  private applyWindow(w: PreparedWindow, result: WindowStepResult & { computeSeconds?: number }, marked: boolean): WindowReport {
    const { spec } = this.options;
    const { keys, k1 } = w;
    const B = keys.length;

    // 3. Score: progressive-validation outcomes, predicted before this update.
    const C = spec.outputSize;
    const outcomes: StepOutcome[] = [];
    for (let b = 0; b < B; b++) {
      for (let i = 0; i < k1; i++) {
        outcomes.push({
          key: keys[b].key,
          source: w.sources[b][i],
          output: result.outputs[i].subarray(b * C, (b + 1) * C), // a view: read once, by the prediction message
          loss: result.stepLosses[i][b],
        });
      }
    }
    if (result.skipped) this.skippedUpdates++;

    // 4. Store the detached states for the next windows and mark the new steps trained.
    if (marked) {
      for (const p of w.placeholders) {
        p.state.set(unpackState(spec, p.kept ? result.keptStates[0] : result.finalState, p.b));
        this.unfilled.delete(p.state);
      }
    } else {
      const minSpacing = Math.max(8, k1);
      for (let b = 0; b < B; b++) {
        const h = keys[b];
        if (w.keepStatesAfter.length > 0) h.addSnapshot(w.nextStarts[b], unpackState(spec, result.keptStates[0], b), minSpacing);
        h.addSnapshot(w.starts[b] + w.T, unpackState(spec, result.finalState, b), minSpacing);
      }
    }
    if (!marked) this.markWindowTrained(w);
    this.windows++;
    // In a worker, the step's own compute time (the wait for it is not training).
    const durationSeconds = result.computeSeconds ?? (performance.now() - w.started) / 1000;
    const { skipped } = result;
    return { outcomes, loss: result.loss, streams: B, steps: w.T, k: this.kValue, gradNorm: result.gradNorm, durationSeconds, ...(skipped ? { skipped } : {}) };
  }

  /**
   * Runs the diagnostic pass (method.md 1.2) over the last `window` steps of up to `streams` keys that
   * have that much retained history, each starting from its real stored state `window` steps back.
   * Returns undefined when no key has enough history.
   */
  diagnose(window: number, streams: number, pick: (candidates: KeyHistory[], n: number) => KeyHistory[] = (c, n) => c.slice(0, n)): LagNorms | undefined {
    this.settle();
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
