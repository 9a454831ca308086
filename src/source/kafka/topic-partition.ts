/** "topic:partition", the key of per-partition maps. */
export type TopicPartitionKey = string;

/** One string per topic-partition, so that maps holding a partition per key (a million keys) share it. */
const interned = new Map<string, Map<number, TopicPartitionKey>>();

export function tpKey(topic: string, partition: number): TopicPartitionKey {
  let byPartition = interned.get(topic);
  if (!byPartition) interned.set(topic, (byPartition = new Map()));
  let key = byPartition.get(partition);
  if (key === undefined) byPartition.set(partition, (key = `${topic}:${partition}`));
  return key;
}

export function parseTpKey(key: TopicPartitionKey): { topic: string; partition: number } {
  const i = key.lastIndexOf(':');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}
