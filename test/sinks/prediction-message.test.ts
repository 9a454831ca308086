import assert from 'node:assert/strict';
import { test } from 'node:test';
import { predictionMessage, topClasses } from '../../src/sinks/prediction-message';
import { createRng } from '../../src/util/rng';

/** The obvious definition: every class sorted by probability (stable, so ties keep the lower class first). */
function sortedTop(out: Float32Array, k: number): number[] {
  return Array.from(out.keys()).sort((a, b) => out[b] - out[a]).slice(0, k);
}

test('topClasses equals a full stable sort, ties and k beyond the class count included', () => {
  const rng = createRng(5);
  for (let trial = 0; trial < 500; trial++) {
    const classes = 1 + rng.int(40);
    // Few distinct values, so that ties are common.
    const out = Float32Array.from({ length: classes }, () => rng.int(6) / 8);
    for (const k of [1, 3, 5, classes, classes + 2]) assert.deepEqual(topClasses(out, k), sortedTop(out, k), `trial ${trial} k ${k}`);
  }
});

test('a prediction message carries the key, source, top-k classes, loss and anomaly score', () => {
  const out = Float32Array.of(0.1, 0.5, 0.05, 0.35);
  const m = predictionMessage({ key: 'k1', source: { topic: 'in', partition: 2, offset: '41' }, output: out, loss: 0.6931471805599453 },
    'softmax', 2, 1.23456789);
  assert.equal(m.key, 'k1');
  assert.deepEqual(JSON.parse(m.value as string), {
    key: 'k1', topic: 'in', partition: 2, offset: '41',
    prediction: [{ class: 1, p: 0.5 }, { class: 3, p: 0.35 }], loss: 0.693147, anomalyScore: 1.23457,
  });
  const mse = predictionMessage({ key: 'k2', output: Float32Array.of(1.5, -2.25), loss: 0.5 }, 'mse', 5, 0);
  assert.deepEqual(JSON.parse(mse.value as string), { key: 'k2', prediction: [1.5, -2.25], loss: 0.5, anomalyScore: 0 });
});
