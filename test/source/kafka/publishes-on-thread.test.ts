import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publishesOnThread } from '../../../src/source/kafka/producer-thread/threaded-producer-sink';

test('output.publishThread: auto uses the thread only with more than two cores; on and off are what they say', () => {
  assert.deepEqual([1, 2, 3, 4, 64].map((cores) => publishesOnThread('auto', cores)), [false, false, true, true, true]);
  assert.deepEqual([1, 2, 64].map((cores) => publishesOnThread('on', cores)), [true, true, true]);
  assert.deepEqual([1, 2, 64].map((cores) => publishesOnThread('off', cores)), [false, false, false]);
});
