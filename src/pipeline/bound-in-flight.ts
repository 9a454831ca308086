import { tap, type MonoTypeOperatorFunction } from 'rxjs';

/** What is in flight between the consumer and the broker's acknowledgement of the predictions. */
export interface InFlightLoad {
  /** Steps observed by the learner and not trained yet. */
  readonly pendingSteps: number;
  /** Trained windows whose predictions are not acknowledged yet. */
  readonly unackedWindows: number;
  /** Messages (predictions, dead letters) queued or sent and not acknowledged yet. */
  readonly unackedMessages: number;
}

export interface InFlightLimits {
  /** Pause above this many pending steps or unacknowledged messages; resume at half of it. */
  readonly maxBufferedRecords: number;
  /** Pause above this many unacknowledged windows. */
  readonly maxInFlightWindows: number;
}

/** The input side that can be held back (the consumer's partitions). */
export interface Valve {
  readonly paused: boolean;
  pause(): void;
  resume(): void;
}

/** What to do with the input given the load: pause above the limits, resume once below half of them. */
export function valveAction(load: InFlightLoad, limits: InFlightLimits, paused: boolean): 'pause' | 'resume' | 'hold' {
  const sendsBehind = load.unackedWindows > limits.maxInFlightWindows || load.unackedMessages > limits.maxBufferedRecords;
  if (!paused && (load.pendingSteps > limits.maxBufferedRecords || sendsBehind)) return 'pause';
  if (paused && load.pendingSteps <= limits.maxBufferedRecords / 2 && !sendsBehind) return 'resume';
  return 'hold';
}

/**
 * The in-flight bound as a pipeline stage: after each item passes, the valve is closed or opened according to
 * {@link valveAction}. RxJS has no pull-based backpressure, so the bound acts where records enter: the
 * consumer's partitions. {@link InFlightGate.check} does the same from outside the stream (acknowledgements).
 */
export class InFlightGate {
  constructor(
    private readonly load: () => InFlightLoad,
    private readonly limits: InFlightLimits,
    private readonly valve: () => Valve | undefined,
    /** Called after each check with the valve's state (status, metrics). */
    private readonly changed: (paused: boolean, load: InFlightLoad) => void = () => undefined,
  ) {}

  /** The stage: checks after every item. */
  bound<T>(): MonoTypeOperatorFunction<T> {
    return tap(() => this.check());
  }

  check(): void {
    const valve = this.valve();
    if (!valve) return;
    const load = this.load();
    const action = valveAction(load, this.limits, valve.paused);
    if (action === 'pause') valve.pause();
    else if (action === 'resume') valve.resume();
    this.changed(valve.paused, load);
  }
}
