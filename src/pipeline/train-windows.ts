import { Observable, asapScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { SequenceStep } from '../domain/sequence-step';
import type { OnlineLearner, WindowReport } from '../learner/online/online-learner';

export interface TrainWindowsOptions {
  /** Streams (keys) per window, B. */
  readonly batchStreams: number;
  /** Train a partial batch once a key has waited this long (stream time of the scheduler). */
  readonly flushAfterMs: number;
  /** Where partial-batch flushes run (virtual time in tests). */
  readonly scheduler?: SchedulerLike;
  /** When the input completes, also train the steps of keys with fewer than k1 waiting (shorter windows). */
  readonly flushOnComplete?: boolean;
  /**
   * Whether the next full batch may train in the background ({@link OnlineLearner.begin}) while steps keep
   * arriving, given the windows in flight whose reports have not been emitted; a window's report is emitted
   * once the next one runs, or earlier when nothing else trains. Default: never (each window trains at once).
   */
  readonly overlap?: (inFlight: number) => boolean;
  /**
   * Whether the input is held back (e.g. every partition paused by backpressure, or no record for a while):
   * waiting for a full batch is then pointless, and ready keys train in partial batches one after another.
   * Default: never.
   */
  readonly inputHeld?: () => boolean;
}

/** Least time between partial batches (a timer, so that I/O such as acknowledgements runs in between). */
const MIN_FLUSH_GAP_MS = 1;

/**
 * Feeds steps to the learner and emits a report per training window. A window runs as soon as B keys are
 * ready (synchronously, before the next step is observed; with `overlap`, handed to the learner's worker
 * and reported once applied, while later steps are observed), or when the oldest ready key has waited
 * `flushAfterMs` (a partial batch, on the scheduler; while `inputHeld` says no more steps are coming soon,
 * partial batches follow each other at once). When the input
 * completes, every ready key is trained before completing (and, with `flushOnComplete`, every waiting step). Errors thrown by the learner are errors of
 * the stream (they are bugs or fatal engine failures, not per-record problems).
 */
export function trainWindows(learner: OnlineLearner, options: TrainWindowsOptions): OperatorFunction<SequenceStep, WindowReport> {
  const scheduler = options.scheduler ?? asapScheduler;
  return (source) => new Observable<WindowReport>((subscriber) => {
    let flushTimer: Subscription | undefined;
    // Windows trained in the background report here once applied, before anything trained after them.
    learner.onLateWindow((w) => {
      if ('error' in w) subscriber.error(w.error);
      else subscriber.next(w.report);
    });

    /** Trains up to B ready keys; false when the learner failed (the stream then errors). */
    const trainOne = (full = false): boolean => {
      try {
        const keys = learner.readyKeys(options.batchStreams);
        if (keys.length > 0) {
          // A window in flight is reported by begin (after the next is handed over) or by learn (before it trains).
          const reports = full && options.overlap?.(learner.windowsInFlight) ? learner.begin(keys) : learner.learn(keys);
          for (const report of reports) subscriber.next(report);
        }
        return !subscriber.closed;
      } catch (e) {
        subscriber.error(e);
        return false;
      }
    };

    const schedule = (): void => {
      if (subscriber.closed) return;
      // Full batches train at once, in the order keys became ready: which windows run, and in what order,
      // then depends only on the order of the steps, not on how they were fetched (determinism over restarts).
      while (learner.readyCount >= options.batchStreams) {
        flushTimer?.unsubscribe();
        flushTimer = undefined;
        if (!trainOne(true) || subscriber.closed) return;
      }
      if (learner.readyCount > 0 && !flushTimer) {
        // While the input is held back no more keys become ready: partial batches then follow each other
        // (after one turn of the event loop, for I/O such as acknowledgements) instead of flushAfterMs apart.
        const delay = options.inputHeld?.() ? MIN_FLUSH_GAP_MS : options.flushAfterMs;
        flushTimer = scheduler.schedule(() => {
          flushTimer = undefined;
          if (trainOne()) schedule();
        }, delay);
      }
    };

    const inner = source.subscribe({
      next: (step) => {
        learner.observe(step);
        schedule();
      },
      error: (e) => subscriber.error(e),
      complete: () => {
        flushTimer?.unsubscribe();
        flushTimer = undefined;
        try {
          learner.settle();
        } catch (e) {
          subscriber.error(e);
          return;
        }
        if (subscriber.closed) return;
        while (learner.readyCount > 0) if (!trainOne()) return;
        try {
          if (options.flushOnComplete) for (const report of learner.flush()) subscriber.next(report);
        } catch (e) {
          subscriber.error(e);
          return;
        }
        subscriber.complete();
      },
    });
    return () => {
      inner.unsubscribe();
      flushTimer?.unsubscribe();
      learner.onLateWindow(undefined);
    };
  });
}
