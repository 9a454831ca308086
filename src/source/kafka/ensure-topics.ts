import type { Kafka } from 'kafkajs';

/** Creates the topics that do not exist yet, with `partitions` partitions each (replication factor 1 locally). */
export async function ensureTopics(kafka: Kafka, topics: readonly string[], partitions: number, replicationFactor = 1): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor })) });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}
