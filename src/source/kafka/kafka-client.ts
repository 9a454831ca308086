import { Kafka, logLevel, type LogEntry } from 'kafkajs';

export interface KafkaClientOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** Receives kafkajs log lines at warn and above. */
  readonly log?: (level: 'warn' | 'error', message: string, extra: Record<string, unknown>) => void;
}

/**
 * The kafkajs client. Connection failures retry with exponential backoff (kafkajs `retry`), for ever at
 * the level of the service: a broker that is down at start or mid-run is waited for, not fatal.
 */
export function createKafkaClient(options: KafkaClientOptions): Kafka {
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, maxRetryTime: 10_000, retries: 8 },
    logCreator: () => (entry: LogEntry) => {
      const { message, ...extra } = entry.log;
      options.log?.(entry.level <= logLevel.ERROR ? 'error' : 'warn', `kafkajs ${entry.namespace}: ${message}`, extra);
    },
  });
}
