import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initParams } from '../../../src/learner/model/init-params';
import type { ModelSpec } from '../../../src/learner/model/model-spec';
import { paramShapes } from '../../../src/learner/model/param-set';
import { createRng } from '../../../src/util/rng';

const spec: ModelSpec = {
  cell: 'lstm', layers: 2, inputSize: 40, inputKind: 'tokens', embedSize: 24, hiddenSize: 32, outputSize: 10, head: 'softmax',
};

/** Checks that every value lies within ±bound and that the values fill the range like U(±bound) (variance bound²/3). */
function assertUniform(data: Float32Array, bound: number, what: string): void {
  let sq = 0;
  for (const v of data) {
    assert.ok(Math.abs(v) <= bound, `${what}: ${v} outside ±${bound}`);
    sq += v * v;
  }
  const rel = sq / data.length / (bound * bound / 3);
  // Relative standard error of the variance estimate ≈ sqrt(0.8 / n); allow ~6 of them.
  assert.ok(Math.abs(rel - 1) < 6 * Math.sqrt(0.8 / data.length), `${what}: variance ratio ${rel} (n = ${data.length})`);
}

describe('initParams', () => {
  it('paper: every matrix U(±√(3/max(shape))), every vector zero', () => {
    const p = initParams(spec, 'paper', createRng(1));
    assert.deepEqual([...p.tensors.keys()], paramShapes(spec).map(([n]) => n));
    for (const [name, shape] of paramShapes(spec)) {
      const t = p.tensors.get(name);
      assert.ok(t);
      assert.deepEqual([...t.shape], shape);
      if (shape.length === 1) assert.ok(t.data.every((v) => v === 0), `${name} must be zero`);
      else assertUniform(t.data, Math.sqrt(3 / Math.max(...shape)), name);
    }
  });

  it('pytorch: rnn weights and biases U(±1/√H); encoder/decoder weight and bias U(±1/√fan_in)', () => {
    const p = initParams(spec, 'pytorch', createRng(2));
    for (const [name] of paramShapes(spec)) {
      const t = p.tensors.get(name);
      assert.ok(t);
      const bound = name.startsWith('rnn.') ? 1 / Math.sqrt(32) : name.startsWith('encoder.') ? 1 / Math.sqrt(40) : 1 / Math.sqrt(32);
      if (t.data.length >= 24) assertUniform(t.data, bound, name);
      else assert.ok(t.data.every((v) => Math.abs(v) <= bound && v !== 0), name);
    }
  });

  it('is reproducible per seed and differs between seeds', () => {
    const a = initParams(spec, 'pytorch', createRng(5));
    const b = initParams(spec, 'pytorch', createRng(5));
    const c = initParams(spec, 'pytorch', createRng(6));
    for (const [name, t] of a.tensors) {
      assert.deepEqual(b.tensors.get(name)?.data, t.data, name);
      assert.notDeepEqual(c.tensors.get(name)?.data, t.data, name);
    }
  });

  it('rejects an unknown scheme', () => {
    assert.throws(() => initParams(spec, 'xavier' as never, createRng(1)), RangeError);
  });
});
