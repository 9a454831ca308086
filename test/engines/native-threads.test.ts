import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { nativeThreadsFor, POOL_WORK, useNativeThreads } from '../../src/learner/engines/native-threads';
import type { ModelSpec } from '../../src/learner/model/model-spec';

const lstm = (hidden: number): ModelSpec =>
  ({ cell: 'lstm', layers: 1, inputSize: 32, inputKind: 'tokens', embedSize: hidden, hiddenSize: hidden, outputSize: 32, head: 'softmax' });

test('the native pool is one thread for the benchmark sizes and every core for large products', () => {
  assert.equal(nativeThreadsFor(lstm(128), 16), 1); // 1.05M multiply-adds per step
  assert.equal(nativeThreadsFor(lstm(256), 32), 1); // 8.4M
  assert.equal(nativeThreadsFor(lstm(512), 64), availableParallelism()); // 67M
  assert.equal(nativeThreadsFor({ ...lstm(512), cell: 'rnn' }, 16), 1, 'an RNN has one gate block'); // 4.2M
  assert.ok(POOL_WORK > 8.4e6 && POOL_WORK < 67e6);
});

test("the user's TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS win over the computed sizes", () => {
  const saved = { intra: process.env.TF_NUM_INTRAOP_THREADS, inter: process.env.TF_NUM_INTEROP_THREADS };
  try {
    delete process.env.TF_NUM_INTRAOP_THREADS;
    delete process.env.TF_NUM_INTEROP_THREADS;
    assert.equal(useNativeThreads(2), 2);
    assert.equal(process.env.TF_NUM_INTRAOP_THREADS, '2');
    assert.equal(process.env.TF_NUM_INTEROP_THREADS, '1', 'graphs are chains: one inter-op thread');
    process.env.TF_NUM_INTRAOP_THREADS = '3';
    process.env.TF_NUM_INTEROP_THREADS = '4';
    assert.equal(useNativeThreads(1), 3, 'set by the user: kept');
    assert.equal(process.env.TF_NUM_INTEROP_THREADS, '4', 'set by the user: kept');
  } finally {
    for (const [name, value] of [['TF_NUM_INTRAOP_THREADS', saved.intra], ['TF_NUM_INTEROP_THREADS', saved.inter]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
});
