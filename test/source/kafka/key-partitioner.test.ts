import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { keyPartitioner } from '../../../src/source/kafka/key-partitioner';
import { createRng } from '../../../src/util/rng';

const metadata = (n: number, leader = 0) => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader, partitionErrorCode: 0, replicas: [0], isr: [0] }));

test('string keys land where kafkajs\'s default partitioner puts them, also after the partition count changes', () => {
  const cached = keyPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  const rng = createRng(8);
  const keys = Array.from({ length: 300 }, (_, i) => (i % 7 === 0 ? `κλειδί-${i}` : `k${rng.int(1e6)}`));
  for (const partitions of [1, 3, 12, 5, 12]) {
    for (let round = 0; round < 3; round++) {
      for (const key of keys) {
        for (const topic of ['predictions', 'other']) {
          const args: PartitionerArgs = { topic, partitionMetadata: metadata(partitions), message: { key, value: 'v' } };
          assert.equal(cached(args), reference(args), `${topic} ${key} over ${partitions} partitions`);
        }
      }
    }
  }
});

test('explicit partitions, Buffer keys and missing keys go to the default partitioner', () => {
  const cached = keyPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  const partitionMetadata = metadata(6);
  assert.equal(cached({ topic: 't', partitionMetadata, message: { key: 'k1', value: 'v', partition: 4 } }), 4);
  const k1 = cached({ topic: 't', partitionMetadata, message: { key: 'k1', value: 'v' } });
  assert.equal(cached({ topic: 't', partitionMetadata, message: { key: 'k1', value: 'v', partition: (k1 + 1) % 6 } }), (k1 + 1) % 6,
    'an explicit partition wins over the remembered one');
  const bufferKey = Buffer.from([0xff, 0x00, 0x7f]);
  assert.equal(cached({ topic: 't', partitionMetadata, message: { key: bufferKey, value: 'v' } }),
    reference({ topic: 't', partitionMetadata, message: { key: bufferKey, value: 'v' } }));
  // No key: round-robin over the partitions with a leader.
  const onlyTwo = metadata(6, -1).map((p, i) => ({ ...p, leader: i === 1 || i === 4 ? 0 : -1 }));
  const seen = new Set(Array.from({ length: 20 }, () => cached({ topic: 't', partitionMetadata: onlyTwo, message: { value: 'v' } })));
  assert.deepEqual([...seen].sort(), [1, 4]);
});
