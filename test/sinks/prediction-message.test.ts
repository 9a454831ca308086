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

/** The reference: the PredictionValue object, rounded to 6 significant digits, through JSON.stringify. */
function referenceValue(o: { key: string; source?: { topic: string; partition: number; offset: string }; output: Float32Array; loss: number },
  head: 'softmax' | 'mse', k: number, anomaly: number): string {
  const round = (v: number): number => (Number.isFinite(v) ? Number(v.toPrecision(6)) : v);
  const prediction = head === 'softmax' ? sortedTop(o.output, k).map((c) => ({ class: c, p: round(o.output[c]) })) : Array.from(o.output, round);
  return JSON.stringify({
    key: o.key, ...(o.source ? { topic: o.source.topic, partition: o.source.partition, offset: o.source.offset } : {}),
    prediction, loss: round(o.loss), anomalyScore: round(anomaly),
  });
}

test('the message value is exactly the JSON of the prediction object, whatever the key, numbers and head', () => {
  const rng = createRng(11);
  const keys = ['k1', 'quote " and \\ backslash', 'línea\nnueva\u2028', '😀 emoji', '', '\u0000control'];
  const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1e-30, 123456789.123, -2.5e21];
  for (let trial = 0; trial < 300; trial++) {
    const head = trial % 2 === 0 ? 'softmax' : 'mse';
    const n = 1 + rng.int(12);
    // Class probabilities are finite (the class ranking is tested above); values of the mse head may not be.
    const output = Float32Array.from({ length: n }, () => (head === 'mse' && rng.int(10) === 0 ? special[rng.int(special.length)] : (rng.next() - 0.3) * 10 ** (rng.int(9) - 4)));
    const outcome = {
      key: keys[trial % keys.length],
      ...(trial % 3 === 0 ? {} : { source: { topic: `in-${trial % 4}`, partition: rng.int(12), offset: String(rng.int(1e9)) } }),
      output, loss: rng.int(8) === 0 ? special[rng.int(special.length)] : rng.next() * 5,
    };
    const anomaly = rng.int(8) === 0 ? special[rng.int(special.length)] : (rng.next() - 0.5) * 20;
    const k = 1 + rng.int(5);
    const m = predictionMessage(outcome, head, k, anomaly);
    assert.equal(m.value, referenceValue(outcome, head, k, anomaly), `trial ${trial}`);
    assert.equal(m.key, outcome.key);
  }
});
