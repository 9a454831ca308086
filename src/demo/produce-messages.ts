import type { ProducedMessage } from '../sinks/produced-message';
import type { Clock } from './clock';
import { TokenBucket } from './token-bucket';

/** Where produced messages go (the Kafka producer sink in the CLI, an array in tests). */
export interface MessageSink {
  send(topic: string, messages: readonly ProducedMessage[]): Promise<void>;
}

/** Options of {@link produceMessages}. */
export interface ProduceOptions {
  readonly topic: string;
  /** Messages per second; undefined = as fast as the broker acknowledges. */
  readonly ratePerSecond?: number;
  /** Stop after this many messages. */
  readonly limit?: number;
  readonly clock: Clock;
  readonly signal?: AbortSignal;
  /** Called after every acknowledged batch with the total sent so far. */
  readonly onSent?: (total: number) => void;
}

/** Messages per send as fast as possible; rate-limited sends are ~10 per second (at most this many). */
const MAX_BATCH = 500;

/**
 * Sends `messages` to `topic` in batches, rate-limited by a token bucket (burst = a tenth of a second's
 * worth, at least one message), until the messages run out, `limit` is reached or `signal` aborts; every
 * batch is acknowledged before the next. Resolves with the number of messages sent.
 */
export async function produceMessages(messages: Iterator<ProducedMessage>, sink: MessageSink, options: ProduceOptions): Promise<number> {
  const { ratePerSecond: rate, limit = Infinity, clock, signal } = options;
  const batchSize = rate === undefined ? MAX_BATCH : Math.max(1, Math.min(MAX_BATCH, Math.floor(rate / 10)));
  const bucket = rate === undefined ? undefined : new TokenBucket(rate, batchSize, clock);
  let sent = 0;
  let done = false;
  while (!done && sent < limit && !signal?.aborted) {
    const batch: ProducedMessage[] = [];
    while (batch.length < Math.min(batchSize, limit - sent)) {
      const r = messages.next();
      if (r.done) { done = true; break; }
      batch.push(r.value);
    }
    if (batch.length === 0) break;
    if (bucket) await bucket.take(batch.length, signal);
    if (signal?.aborted) break;
    await sink.send(options.topic, batch);
    sent += batch.length;
    options.onSent?.(sent);
  }
  return sent;
}
