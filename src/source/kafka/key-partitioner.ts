import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/** Keys remembered per topic before the memory is cleared and rebuilt (keys come and go in a long run). */
const MAX_REMEMBERED_KEYS = 100_000;

/**
 * kafkajs's default partitioner (the Java client's: murmur2 of the key modulo the partition count), with
 * the partition of each string key remembered per topic while its partition count stays the same. The
 * default hashes the key and filters the partition list for every message; the service sends one
 * prediction per trained step, for the same keys over and over. Messages with an explicit partition or
 * without a string key go to the default unchanged.
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const byDefault = Partitioners.DefaultPartitioner();
  const topics = new Map<string, { partitions: number; byKey: Map<string, number> }>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (typeof message.key !== 'string' || (message.partition !== undefined && message.partition !== null)) return byDefault(args);
    let known = topics.get(topic);
    if (!known || known.partitions !== partitionMetadata.length || known.byKey.size >= MAX_REMEMBERED_KEYS) {
      topics.set(topic, (known = { partitions: partitionMetadata.length, byKey: new Map() }));
    }
    let partition = known.byKey.get(message.key);
    if (partition === undefined) known.byKey.set(message.key, (partition = byDefault(args)));
    return partition;
  };
};
