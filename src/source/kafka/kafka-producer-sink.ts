import type { Kafka, Producer } from 'kafkajs';
import type { ProducedMessage } from '../../sinks/produced-message';

/**
 * The producer edge: sends messages (predictions, dead letters, demo data) with an idempotent producer
 * and waits for the broker's acknowledgement (acks = all). Sends are batched per call.
 */
export class KafkaProducerSink {
  private producer: Producer | undefined;

  constructor(private readonly kafka: Kafka) {}

  async connect(): Promise<void> {
    this.producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: true });
    await this.producer.connect();
  }

  /** Sends `messages` to `topic`; resolves once the broker has them. */
  async send(topic: string, messages: readonly ProducedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    if (!this.producer) throw new Error('producer is not connected');
    await this.producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
    });
  }

  /** Sends messages to several topics in one request; resolves once the broker has them all. */
  async sendBatch(byTopic: ReadonlyMap<string, readonly ProducedMessage[]>): Promise<void> {
    if (byTopic.size === 0) return;
    if (!this.producer) throw new Error('producer is not connected');
    await this.producer.sendBatch({
      acks: -1,
      topicMessages: [...byTopic].map(([topic, messages]) => ({
        topic, messages: messages.map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
      })),
    });
  }

  async disconnect(): Promise<void> {
    const p = this.producer;
    this.producer = undefined;
    if (p) await p.disconnect();
  }
}
