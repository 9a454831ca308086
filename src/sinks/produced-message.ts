/** A message to publish (plain data; the Kafka producer lives at the source/kafka edge). */
export interface ProducedMessage {
  readonly key: string | Buffer | null;
  readonly value: string | Buffer | null;
  readonly headers?: Record<string, string>;
}
