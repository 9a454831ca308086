/** A message as consumed from a topic, before decoding (kafkajs stays at the source edge). */
export interface RawMessage {
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string (Kafka offsets are 64-bit). */
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Broker timestamp in milliseconds since the epoch, as a decimal string. */
  readonly timestamp?: string;
}
