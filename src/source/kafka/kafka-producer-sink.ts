import type { Kafka, Producer } from 'kafkajs';
import type { ProducedMessage } from '../../sinks/produced-message';
import type { PublishSink } from '../../sinks/publish-sink';
import { keyPartitioner } from './key-partitioner';
import { splitProduceRequests } from './split-produce-requests';

/**
 * The producer edge: sends messages (predictions, dead letters, demo data) with an idempotent producer
 * and waits for the broker's acknowledgement (acks = all). Sends are batched per call, in requests small
 * enough for the broker's message size limit (see {@link splitProduceRequests}): one request holding a
 * near-limit message (e.g. the dead letter of a huge input message) and others was refused as a whole with
 * MESSAGE_TOO_LARGE, which is not retriable.
 */
export class KafkaProducerSink implements PublishSink {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async connect(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true, createPartitioner: keyPartitioner });
    await this.producer.connect();
  }

  /** Sends `messages` to `topic`, in order; resolves once the broker has them. */
  async send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
    await this.sendBatch(new Map([[topic, messages]]));
  }

  /**
   * Sends messages to several topics, each topic's in order, in as few requests as the size limit allows
   * (usually one), one after the other; resolves once the broker has them all. On an error, the requests
   * before the failed one may have been written.
   */
  async sendBatch(byTopic: ReadonlyMap<string, readonly ProducedMessage[]>): Promise<void> {
    const requests = splitProduceRequests(byTopic);
    if (requests.length === 0) return;
    const producer = this.producer;
    if (!producer) throw new Error('producer is not connected');
    for (const request of requests) {
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...request].map(([topic, messages]) => ({
          topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        })),
      });
    }
  }

  /**
   * Whether a failed send can succeed later (broker down, leader moving, timeouts) rather than never
   * (the broker refused the request itself, e.g. MESSAGE_TOO_LARGE or an authorization error; the producer
   * thread is gone).
   */
  static isRetriable(error: unknown): boolean {
    const e = error as { name?: string; retriable?: boolean; type?: string };
    if (e?.name === 'ProducerThreadExited') return false;
    return !(e?.name === 'KafkaJSProtocolError' && e.retriable === false);
  }

  async disconnect(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.disconnect();
  }
}
