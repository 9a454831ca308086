import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { ParamSet } from '../../../src/learner/model/param-set';
import { Adam } from '../../../src/learner/optim/adam';
import { clipGradNorm } from '../../../src/learner/optim/clip-grad-norm';
import type { Optimizer } from '../../../src/learner/optim/optimizer';
import { Sgd } from '../../../src/learner/optim/sgd';
import { scaledLearningRate } from '../../../src/learner/optim/lr-scaling';
import { fixturePath } from '../../support/repo-paths';

// Fixture written by scripts/fixtures/make_optim_fixtures.py with torch.optim (float32).
interface OptimFixture {
  init: Record<string, number[]>;
  shapes: Record<string, number[]>;
  grads: Array<Record<string, number[]>>;
  lrs: number[];
  cases: Record<string, Array<Record<string, number[]>>>;
  clip: Array<{ maxNorm: number; norm: number; grads: Record<string, number[]> }>;
}
const fx = JSON.parse(readFileSync(fixturePath('torch', 'optim.json'), 'utf8')) as OptimFixture;

function toParams(values: Record<string, number[]>): ParamSet {
  const tensors = new Map(Object.entries(values).map(([k, v]) => [k, { shape: fx.shapes[k], data: Float32Array.from(v) }]));
  return { tensors, version: 0 };
}

// float32 arithmetic in a different order than PyTorch's kernels: a few ulps per step.
function assertClose(actual: Float32Array, expected: number[], what: string): void {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++) {
    const tol = 1e-6 + 1e-5 * Math.abs(expected[i]);
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs torch ${expected[i]}`);
  }
}

const makers: Record<string, () => Optimizer> = {
  sgd_plain_wd: () => new Sgd({ weightDecay: 1e-2 }),
  sgd_momentum: () => new Sgd({ momentum: 0.9, weightDecay: 1e-3 }),
  sgd_dampening: () => new Sgd({ momentum: 0.5, dampening: 0.3 }),
  sgd_nesterov: () => new Sgd({ momentum: 0.9, nesterov: true }),
  adam: () => new Adam({ weightDecay: 1e-2 }),
  adam_betas: () => new Adam({ beta1: 0.8, beta2: 0.99, eps: 1e-6 }),
};

describe('optimizers match torch.optim', () => {
  for (const [name, make] of Object.entries(makers)) {
    it(`${name}: five steps with changing learning rates`, () => {
      const params = toParams(fx.init);
      const opt = make();
      fx.grads.forEach((g, step) => {
        const before = params.version;
        opt.step(params, toParams(g), fx.lrs[step]);
        assert.equal(params.version, before + 1, 'step bumps the params version');
        for (const [k, expected] of Object.entries(fx.cases[name][step])) {
          assertClose(params.tensors.get(k)!.data, expected, `${name} step ${step} ${k}`);
        }
      });
    });

    it(`${name}: snapshot/restore continues identically`, () => {
      const a = toParams(fx.init);
      const optA = make();
      optA.step(a, toParams(fx.grads[0]), fx.lrs[0]);
      optA.step(a, toParams(fx.grads[1]), fx.lrs[1]);
      const b = toParams(Object.fromEntries([...a.tensors].map(([k, t]) => [k, Array.from(t.data)])));
      const optB = make();
      optB.restore(JSON.parse(JSON.stringify(optA.snapshot())));
      for (let s = 2; s < fx.grads.length; s++) {
        optA.step(a, toParams(fx.grads[s]), fx.lrs[s]);
        optB.step(b, toParams(fx.grads[s]), fx.lrs[s]);
      }
      for (const [k, t] of a.tensors) assert.deepEqual(Array.from(b.tensors.get(k)!.data), Array.from(t.data), k);
    });
  }

  it('restoring another optimizer kind is refused', () => {
    assert.throws(() => new Sgd().restore(new Adam().snapshot()), /adam optimizer state into sgd/);
  });
});

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const c of fx.clip) {
    it(`maxNorm ${c.maxNorm}`, () => {
      const g = toParams(fx.grads[0]);
      const norm = clipGradNorm(g, c.maxNorm);
      assert.ok(Math.abs(norm - c.norm) < 1e-5 * c.norm, `norm ${norm} vs ${c.norm}`);
      for (const [k, expected] of Object.entries(c.grads)) assertClose(g.tensors.get(k)!.data, expected, k);
    });
  }

  it('leaves non-finite gradients unscaled and reports the non-finite norm', () => {
    const g = toParams({ 'a.bias': [1, NaN, 2] });
    assert.ok(Number.isNaN(clipGradNorm(g, 1)));
    assert.equal(g.tensors.get('a.bias')!.data[0], 1);
  });
});

describe('scaledLearningRate', () => {
  it('scales with K as none, sqrt and linear', () => {
    assert.equal(scaledLearningRate(0.5, 16, 'none'), 0.5);
    assert.equal(scaledLearningRate(0.5, 16, 'sqrt'), 2);
    assert.equal(scaledLearningRate(0.5, 16, 'linear'), 8);
  });
});
