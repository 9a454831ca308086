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

test("the user's TF_NUM_INTRAOP_THREADS wins over the computed size", () => {
  const saved = process.env.TF_NUM_INTRAOP_THREADS;
  try {
    delete process.env.TF_NUM_INTRAOP_THREADS;
    assert.equal(useNativeThreads(1), 1);
    assert.equal(process.env.TF_NUM_INTRAOP_THREADS, '1');
    process.env.TF_NUM_INTRAOP_THREADS = '3';
    assert.equal(useNativeThreads(1), 3, 'set by the user: kept');
  } finally {
    if (saved === undefined) delete process.env.TF_NUM_INTRAOP_THREADS;
    else process.env.TF_NUM_INTRAOP_THREADS = saved;
  }
});
