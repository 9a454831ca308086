/** "topic:partition", the key of per-partition maps. */
export type TopicPartitionKey = string;

export function tpKey(topic: string, partition: number): TopicPartitionKey {
  return `${topic}:${partition}`;
}

export function parseTpKey(key: TopicPartitionKey): { topic: string; partition: number } {
  const i = key.lastIndexOf(':');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
