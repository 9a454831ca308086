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

/** Input that can also be held back one partition at a time. */
export interface PartitionValve extends Valve {
  /** Partitions currently assigned. */
  readonly assignment: readonly string[];
  isPartitionPaused(partition: string): boolean;
  pausePartitions(partitions: readonly string[]): void;
  resumePartitions(partitions: readonly string[]): void;
}

/** Untrained steps of a partition's keys, and how many of its keys hold any. */
export interface PartitionLoad {
  readonly steps: number;
  readonly keys: number;
}

/**
 * Which partitions to pause and resume. Each assigned partition may hold a share of maxBufferedRecords
 * untrained steps in proportion to its keys that hold any (evenly split while none do): above its share it
 * is paused, at half of it resumed. The others keep flowing, so that their keys become ready and windows keep
 * B streams. A fetch brings about as many bytes from each partition, whatever its number of keys: pausing
 * every partition at once would leave the keys of the partitions with the fewest keys, which run ahead, as
 * the only ones to train, in partial batches. Together the partitions stay within maxBufferedRecords plus
 * what each fetched after its pause.
 */
export function partitionActions(
  loadOf: (partition: string) => PartitionLoad, assignment: readonly string[], isPaused: (partition: string) => boolean, maxBufferedRecords: number,
): { pause: string[]; resume: string[] } {
  const loads = assignment.map(loadOf);
  const keys = loads.reduce((n, l) => n + l.keys, 0);
  const pause: string[] = [];
  const resume: string[] = [];
  assignment.forEach((p, i) => {
    const share = keys > 0 ? maxBufferedRecords * loads[i].keys / keys : maxBufferedRecords / assignment.length;
    if (!isPaused(p) && loads[i].steps > share) pause.push(p);
    else if (isPaused(p) && loads[i].steps <= share / 2) resume.push(p);
  });
  return { pause, resume };
}

function hasPartitions(valve: Valve): valve is PartitionValve {
  return 'pausePartitions' in valve;
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
 * {@link valveAction}, and single partitions according to {@link partitionActions}. RxJS has no pull-based backpressure, so the bound acts where records enter: the
 * consumer's partitions. {@link InFlightGate.check} does the same from outside the stream (acknowledgements).
 */
export class InFlightGate {
  constructor(
    private readonly load: () => InFlightLoad,
    private readonly limits: InFlightLimits,
    private readonly valve: () => Valve | PartitionValve | undefined,
    /** Called after each check with the valve's state (status, metrics) and how many partitions are paused one by one. */
    private readonly changed: (paused: boolean, load: InFlightLoad, pausedPartitions: number) => void = () => undefined,
    /** Untrained steps per partition: with a {@link PartitionValve}, partitions are also paused one by one ({@link partitionActions}). */
    private readonly pendingIn?: (partition: string) => PartitionLoad,
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
    let pausedPartitions = 0;
    if (this.pendingIn && hasPartitions(valve)) {
      const isPaused = (p: string) => valve.isPartitionPaused(p);
      const { pause, resume } = partitionActions(this.pendingIn, valve.assignment, isPaused, this.limits.maxBufferedRecords);
      if (pause.length > 0) valve.pausePartitions(pause);
      if (resume.length > 0) valve.resumePartitions(resume);
      for (const p of valve.assignment) if (isPaused(p)) pausedPartitions++;
    }
    this.changed(valve.paused, load, pausedPartitions);
  }
}
