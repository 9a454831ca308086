import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateStreams } from '../../src/experiments/evaluate-streams';
import { createTsEngine } from '../../src/learner/engines/ts/ts-engine';
import { initParams } from '../../src/learner/model/init-params';
import type { ModelSpec } from '../../src/learner/model/model-spec';
import { createRng } from '../../src/util/rng';
import { refRun, toRefParams, type RefState } from '../numerics/reference-model';

const spec: ModelSpec = {
  cell: 'lstm', layers: 2, inputSize: 5, inputKind: 'tokens', embedSize: 3, hiddenSize: 4, outputSize: 5, head: 'softmax',
};

/** Random token streams: S streams of T steps. */
function randomStreams(S: number, T: number, seed: number) {
  const rng = createRng(seed);
  const mk = () => Array.from({ length: S }, () => Int32Array.from({ length: T }, () => rng.int(5)));
  return { inputs: mk(), targets: mk() };
}

const zeros = (S: number): RefState => {
  const z = () => Array.from({ length: spec.layers }, () => Array.from({ length: S }, () => new Array(spec.hiddenSize).fill(0)));
  return { h: z(), c: z() };
};

describe('evaluateStreams', () => {
  it('matches a direct float64 computation over the whole streams from the zero state, whatever the chunking', () => {
    const S = 3, T = 23;
    const params = initParams(spec, 'pytorch', createRng(4));
    // Scale the weights up so that the predictions are far from uniform and the check is sharp.
    for (const t of params.tensors.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 2.5;
    const data = randomStreams(S, T, 8);
    // Reference: one pass over all T steps (time-major window), mean of −log p(target) over steps and streams.
    const window = {
      batch: S, steps: T,
      inputs: Array.from({ length: T }, (_, t) => Int32Array.from(data.inputs, (col) => col[t])),
      targets: Array.from({ length: T }, (_, t) => Int32Array.from(data.targets, (col) => col[t])),
    };
    const ref = refRun(spec, toRefParams(params), window, zeros(S));
    const meanCe = ref.streamLoss.flat().reduce((a, b) => a + b, 0) / (S * T);
    assert.ok(Math.abs(meanCe - Math.log(5)) > 0.05, `the test model should not predict uniformly (CE ${meanCe})`);
    for (const chunk of [1, 7, 23, 100]) {
      const e = evaluateStreams(createTsEngine(), spec, params, data, chunk);
      assert.equal(e.count, S * T);
      assert.ok(Math.abs(e.meanLoss - meanCe) < 1e-5, `chunk ${chunk}: mean CE ${e.meanLoss} vs reference ${meanCe}`);
      assert.ok(Math.abs(e.perplexity - Math.exp(meanCe)) < 1e-5 * Math.exp(meanCe), `chunk ${chunk}: perplexity`);
      assert.ok(Math.abs(e.bitsPerToken - meanCe / Math.LN2) < 2e-5, `chunk ${chunk}: bits per token`);
    }
  });

  it('a state carried across chunks matters: restarting from zero each chunk would give another value', () => {
    const S = 2, T = 30;
    const params = initParams(spec, 'pytorch', createRng(5));
    for (const t of params.tensors.values()) for (let i = 0; i < t.data.length; i++) t.data[i] *= 2.5;
    const data = randomStreams(S, T, 9);
    const whole = evaluateStreams(createTsEngine(), spec, params, data, 30).meanLoss;
    const firstHalf = evaluateStreams(createTsEngine(), spec, params,
      { inputs: data.inputs.map((c) => c.slice(0, 15)), targets: data.targets.map((c) => c.slice(0, 15)) }, 15).meanLoss;
    const secondHalfFromZero = evaluateStreams(createTsEngine(), spec, params,
      { inputs: data.inputs.map((c) => c.slice(15)), targets: data.targets.map((c) => c.slice(15)) }, 15).meanLoss;
    const restarted = (firstHalf + secondHalfFromZero) / 2;
    assert.ok(Math.abs(evaluateStreams(createTsEngine(), spec, params, data, 15).meanLoss - whole) < 1e-5);
    assert.ok(Math.abs(restarted - whole) > 1e-4, 'the carried state should change the second half');
  });
});
