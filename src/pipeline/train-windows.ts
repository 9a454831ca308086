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
}

/**
 * Feeds steps to the learner and emits a report per training window. A window runs as soon as B keys are
 * ready (synchronously, before the next step is observed), or when the oldest ready key has waited
 * `flushAfterMs` (a partial batch, on the scheduler). When the input
 * completes, every ready key is trained before completing (and, with `flushOnComplete`, every waiting step). Errors thrown by the learner are errors of
 * the stream (they are bugs or fatal engine failures, not per-record problems).
 */
export function trainWindows(learner: OnlineLearner, options: TrainWindowsOptions): OperatorFunction<SequenceStep, WindowReport> {
  const scheduler = options.scheduler ?? asapScheduler;
  return (source) => new Observable<WindowReport>((subscriber) => {
    let flushTimer: Subscription | undefined;

    /** Trains up to B ready keys; false when the learner failed (the stream then errors). */
    const trainOne = (): boolean => {
      const keys = learner.readyKeys().slice(0, options.batchStreams);
      try {
        if (keys.length > 0) for (const report of learner.learn(keys)) subscriber.next(report);
        return true;
      } catch (e) {
        subscriber.error(e);
        return false;
      }
    };

    const schedule = (): void => {
      if (subscriber.closed) return;
      // Full batches train at once, in the order keys became ready: which windows run, and in what order,
      // then depends only on the order of the steps, not on how they were fetched (determinism over restarts).
      while (learner.readyKeys().length >= options.batchStreams) {
        flushTimer?.unsubscribe();
        flushTimer = undefined;
        if (!trainOne() || subscriber.closed) return;
      }
      if (learner.readyKeys().length > 0 && !flushTimer) {
        flushTimer = scheduler.schedule(() => {
          flushTimer = undefined;
          if (trainOne()) schedule();
        }, options.flushAfterMs);
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
        while (learner.readyKeys().length > 0) if (!trainOne()) return;
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
    };
  });
}
