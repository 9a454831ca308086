/**
 * The kafkajs log lines a demo producer shows: errors only, without the ones kafkajs retries by itself while a
 * fresh broker elects its coordinators ("Connection: Response InitProducerId …"). Warnings (the v2
 * partitioner notice, idempotent retry limits) are not useful to someone producing a demo stream.
 */
export function producerKafkaLog(log: (message: string) => void): (level: 'warn' | 'error', message: string) => void {
  return (level, message) => {
    if (level === 'error' && !/^kafkajs Connection: Response /.test(message)) log(`kafkajs error: ${message}`);
  };
}
