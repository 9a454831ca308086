import type { ProducedMessage } from './produced-message';

/** Where published messages go: a Kafka producer, on this thread or on a thread of its own. */
export interface PublishSink {
  /** Connects (may be called again after a failed attempt). */
  connect(): Promise<void>;
  /** Sends messages to several topics, each topic's in order; resolves once the broker has them all. */
  sendBatch(byTopic: ReadonlyMap<string, readonly ProducedMessage[]>): Promise<void>;
  disconnect(): Promise<void>;
}
