import { Observable, asapScheduler, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { SequenceStep } from '../domain/sequence-step';
import type { OnlineLearner, WindowReport } from '../learner/online/online-learner';

export interface TrainWindowsOptions {
  /** Streams (keys) per window, B. */
  readonly batchStreams: number;
  /** Train a partial batch once a key has waited this long (stream time of the scheduler). */
  readonly flushAfterMs: number;
  /** Where windows run: one window per scheduled task, so the event loop (heartbeats, HTTP) stays responsive. */
  readonly scheduler?: SchedulerLike;
  /** When the input completes, also train the steps of keys with fewer than k1 waiting (shorter windows). */
  readonly flushOnComplete?: boolean;
}

/**
 * Feeds steps to the learner and emits a report per training window. A window runs as soon as B keys are
 * ready, or when the oldest ready key has waited `flushAfterMs`; one window at a time. When the input
 * completes, every ready key is trained before completing (and, with `flushOnComplete`, every waiting step). Errors thrown by the learner are errors of
 * the stream (they are bugs or fatal engine failures, not per-record problems).
 */
export function trainWindows(learner: OnlineLearner, options: TrainWindowsOptions): OperatorFunction<SequenceStep, WindowReport> {
  const scheduler = options.scheduler ?? asapScheduler;
  return (source) => new Observable<WindowReport>((subscriber) => {
    let running: Subscription | undefined;
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
      if (running || subscriber.closed) return;
      const ready = learner.readyKeys().length;
      if (ready >= options.batchStreams) {
        flushTimer?.unsubscribe();
        flushTimer = undefined;
        running = scheduler.schedule(() => {
          running = undefined;
          if (trainOne()) schedule();
        });
      } else if (ready > 0 && !flushTimer) {
        flushTimer = scheduler.schedule(() => {
          flushTimer = undefined;
          if (!running && trainOne()) schedule();
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
        running?.unsubscribe();
        running = undefined;
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
      running?.unsubscribe();
      flushTimer?.unsubscribe();
    };
  });
}
