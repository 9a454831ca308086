import { from, Observable, Subscription, type ObservableInput, type OperatorFunction } from 'rxjs';
import type { ProducedMessage } from '../sinks/produced-message';

/** Messages for one topic, queued as one unit (a window's predictions, a dead letter). */
export interface Publication {
  readonly topic: string;
  readonly messages: readonly ProducedMessage[];
}

/** One send: messages grouped by topic, in queue order within each topic. */
export type SendBatch = (byTopic: Map<string, ProducedMessage[]>) => ObservableInput<unknown>;

/**
 * The sink stage. Publications are sent in arrival order; while a send is in flight, later ones accumulate
 * and go out together in the next send (one request for all topics), so publishing keeps up with training
 * however small each publication is. A send carries at most `maxMessages` messages unless a single
 * publication is larger (publications are never split). Each publication is emitted once the send that
 * carried it completed (the broker acknowledged it), in arrival order. A failed send errors the stream;
 * retrying is the sender's business. The stream completes after its input does and the last send completed.
 */
export function publishBatched<T extends Publication>(send: SendBatch, maxMessages: number): OperatorFunction<T, T> {
  return (source) => new Observable<T>((subscriber) => {
    const queue: T[] = [];
    let inFlight = false;
    let inputDone = false;
    const subscriptions = new Subscription();
    const pump = (): void => {
      if (inFlight || subscriber.closed) return;
      if (queue.length === 0) {
        if (inputDone) subscriber.complete();
        return;
      }
      let take = 0;
      for (let n = 0; take < queue.length && (take === 0 || n + queue[take].messages.length <= maxMessages); take++) n += queue[take].messages.length;
      const batch = queue.splice(0, take);
      const byTopic = new Map<string, ProducedMessage[]>();
      for (const p of batch) {
        const list = byTopic.get(p.topic);
        if (list) list.push(...p.messages);
        else byTopic.set(p.topic, [...p.messages]);
      }
      inFlight = true;
      subscriptions.add(from(send(byTopic)).subscribe({
        error: (e) => subscriber.error(e),
        complete: () => {
          inFlight = false;
          for (const p of batch) subscriber.next(p);
          pump();
        },
      }));
    };
    subscriptions.add(source.subscribe({
      next: (p) => {
        queue.push(p);
        pump();
      },
      error: (e) => subscriber.error(e),
      complete: () => {
        inputDone = true;
        pump();
      },
    }));
    return subscriptions;
  });
}
