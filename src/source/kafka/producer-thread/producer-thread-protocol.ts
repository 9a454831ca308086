import type { ProducedMessage } from '../../../sinks/produced-message';

/** What the service's thread asks the producer thread; replies carry `id` back. */
export type ProducerRequest = { readonly id: number } & (
  | { readonly op: 'connect'; readonly brokers: readonly string[]; readonly clientId: string }
  | { readonly op: 'send'; readonly byTopic: ReadonlyArray<readonly [string, readonly ProducedMessage[]]> }
  | { readonly op: 'disconnect' }
);

/** The fields of a failed send that decide whether it is retried (see KafkaProducerSink.isRetriable). */
export interface ProducerError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly retriable?: boolean;
  readonly type?: string;
}

/** From the producer thread: a reply, or a kafkajs log line to pass on. */
export type ProducerReply =
  | { readonly id: number; readonly ok: true }
  | { readonly id: number; readonly ok: false; readonly error: ProducerError }
  | { readonly log: { readonly level: 'warn' | 'error'; readonly message: string; readonly extra: Record<string, unknown> } };
