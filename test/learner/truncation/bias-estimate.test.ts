import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { estimateBias, logRelBiasAt } from '../../../src/learner/truncation/bias-estimate';
import { chooseTruncation } from '../../../src/learner/truncation/choose-truncation';
import { BETA_METHODS, type BetaMethod } from '../../../src/learner/truncation/estimate-log-beta';
import { fixturePath } from '../../support/repo-paths';
import { alignedProfile, lagProfile, naiveBias, naiveChooseK } from './naive-bias';

const relClose = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${what}: ${actual} vs expected ${expected}`);

const DELTAS = [0.9, 0.5, 0.1, 0.01];

describe('estimateBias: the worked example of method.md section 2', () => {
  // W = 100, four identical columns φ̄_j = 0.9^j, C = cumulative sum, τ = 80.
  const { lagNorms, cumNorms } = alignedProfile(lagProfile(100, (j) => 0.9 ** j), 4);
  for (const method of BETA_METHODS) {
    it(`${method}: β̂ = 0.9, δ̂, Ê, Ĝ and K̂ as published`, () => {
      const est = estimateBias(lagNorms, cumNorms, 80, method);
      assert.equal(est.failure, null);
      relClose(Math.exp(est.logBeta), 0.9, 1e-12, 'β̂');
      const rel = (k: number): number => Math.exp(est.logRelBias[k - 1]);
      // method.md gives six significant digits.
      relClose(rel(1), 0.900072, 1e-6, 'δ̂(1)');
      relClose(rel(7), 0.478346, 1e-6, 'δ̂(7)');
      relClose(rel(22), 0.098504, 1e-5, 'δ̂(22)');
      [9.00022, 8.10022, 7.29022, 6.56122, 5.90512].forEach((e, i) =>
        relClose(Math.exp(est.logAbsBias[i]), e, 1e-6, `Ê(${i + 1})`));
      relClose(Math.exp(est.logLowerBound), 9.99944, 1e-6, 'Ĝ');
      assert.deepEqual(DELTAS.map((d) => chooseTruncation(est.logRelBias, d)), [2, 7, 22, 44]);
    });
  }
});

describe('estimateBias against a plain linear-space implementation', () => {
  const profiles: Array<[string, number[], number]> = [
    ['pure geometric 0.7', lagProfile(100, (j) => 2 * 0.7 ** j), 90],
    ['plateau then decay', lagProfile(100, (j) => (j < 30 ? 1 : 0.8 ** (j - 30))), 90],
    ['slow decay, small τ', lagProfile(60, (j) => 0.95 ** j / (1 + j / 10)), 5],
    ['τ = 0', lagProfile(40, (j) => 0.6 ** j), 0],
  ];
  for (const [name, phi, tau] of profiles) {
    for (const method of BETA_METHODS) {
      it(`${name}, ${method}`, () => {
        const { lagNorms, cumNorms } = alignedProfile(phi, 3);
        const est = estimateBias(lagNorms, cumNorms, tau, method);
        assert.ok(est.logBeta < 0, 'profile decays');
        const naive = naiveBias(phi, cumNorms, tau, Math.exp(est.logBeta));
        assert.ok(naive.lowerBound > 0);
        relClose(Math.exp(est.logLowerBound), naive.lowerBound, 1e-11, 'Ĝ');
        for (let k = 1; k <= phi.length; k++) {
          relClose(Math.exp(est.logAbsBias[k - 1]), naive.absBias[k], 1e-11, `Ê(${k})`);
          relClose(Math.exp(est.logRelBias[k - 1]), naive.relBias[k - 1], 1e-11, `δ̂(${k})`);
        }
        for (const d of DELTAS) assert.equal(chooseTruncation(est.logRelBias, d), naiveChooseK(naive.relBias, d), `K̂(${d})`);
      });
    }
  }
});

describe('estimateBias when the bias cannot be bounded', () => {
  const allInfinite = (a: Float64Array): boolean => a.every((v) => v === Infinity);

  it('flat norms (β̂ = 1): δ̂ = ∞ for every K, so K̂ = W, whatever the scale (decision 5.1)', () => {
    for (const scale of [1e-12, 1, 1e12]) {
      for (const method of BETA_METHODS) {
        const { lagNorms, cumNorms } = alignedProfile(lagProfile(100, () => scale), 2);
        const est = estimateBias(lagNorms, cumNorms, 90, method);
        assert.equal(est.failure, 'beta-ge-1', `${method} scale ${scale}`);
        assert.ok(allInfinite(est.logRelBias) && allInfinite(est.logAbsBias));
        assert.equal(est.logLowerBound, -Infinity);
        for (const d of DELTAS) assert.equal(chooseTruncation(est.logRelBias, d), 100);
      }
    }
  });

  it('growing norms (β̂ > 1) likewise', () => {
    const { lagNorms, cumNorms } = alignedProfile(lagProfile(50, (j) => 1.05 ** j));
    for (const method of BETA_METHODS) assert.equal(estimateBias(lagNorms, cumNorms, 40, method).failure, 'beta-ge-1');
  });

  it('Ĝ = 0 (no C_K′ above Ê(K′)): every δ̂ is infinite', () => {
    const phi = lagProfile(100, (j) => 0.9 ** j);
    const est = estimateBias(phi.map((v) => [v]), phi.map(() => 0), 90, 'ols');
    assert.equal(est.failure, 'no-lower-bound');
    assert.ok(Math.abs(est.logBeta - Math.log(0.9)) < 1e-12);
    assert.ok(est.logAbsBias.every(Number.isFinite), 'Ê is still finite');
    assert.ok(allInfinite(est.logRelBias));
    assert.equal(chooseTruncation(est.logRelBias, 0.5), 100);
  });

  it('norms that vanish after lag 59: ols fits the head; the tail methods cannot bound the tail', () => {
    const phi = lagProfile(100, (j) => (j < 60 ? 0.7 ** j : 0));
    const { lagNorms, cumNorms } = alignedProfile(phi);
    const ols = estimateBias(lagNorms, cumNorms, 90, 'ols');
    assert.equal(ols.failure, null);
    const naive = naiveBias(phi, cumNorms, 90, 0.7);
    for (const d of DELTAS) assert.equal(chooseTruncation(ols.logRelBias, d), naiveChooseK(naive.relBias, d), `ols K̂(${d})`);
    assert.equal(estimateBias(lagNorms, cumNorms, 90, 'ols-tail').failure, 'no-decay-fit');
    assert.equal(estimateBias(lagNorms, cumNorms, 90, 'max').failure, 'beta-ge-1');
    assert.equal(estimateBias(lagNorms, cumNorms, 90, 'quantile').failure, 'beta-ge-1');
  });
});

describe('estimateBias is scale invariant', () => {
  const phi = lagProfile(100, (j) => 0.85 ** j * (1 + 0.2 * Math.sin(j)));
  const at = (scale: number, method: BetaMethod): ReturnType<typeof estimateBias> => {
    const { lagNorms, cumNorms } = alignedProfile(phi.map((v) => v * scale), 4);
    return estimateBias(lagNorms, cumNorms, 90, method);
  };
  for (const method of BETA_METHODS) {
    it(`${method}: norms ×1e30 give the same δ̂ and K̂; ×1e−30 too unless the OLS floor e^−50 removes every lag`, () => {
      const base = at(1, method);
      const scales = method === 'max' || method === 'quantile' ? [1e30, 1e-30] : [1e30];
      for (const scale of scales) {
        const scaled = at(scale, method);
        assert.equal(scaled.failure, null);
        for (let k = 0; k < 100; k++) {
          assert.ok(Math.abs(scaled.logRelBias[k] - base.logRelBias[k]) < 1e-8, `${method} ×${scale} δ̂(${k + 1})`);
        }
        for (const d of DELTAS) assert.equal(chooseTruncation(scaled.logRelBias, d), chooseTruncation(base.logRelBias, d));
      }
      if (method === 'ols' || method === 'ols-tail') {
        // Every ℓφ < −50: the reference's cut-off leaves nothing to fit, so K̂ = W (documented departure).
        const tiny = at(1e-30, method);
        assert.equal(tiny.failure, 'no-decay-fit');
        assert.equal(chooseTruncation(tiny.logRelBias, 0.1), 100);
      }
    });
  }
});

describe('estimateBias against the reference implementation', () => {
  // Fixture produced by scripts/fixtures/make_truncation_fixtures.py with the authors' adaptive_K_estimate.
  interface RefCase {
    method: BetaMethod; tau: number; deltas: number[]; gradNorms: number[][]; cumNorms: number[];
    logBeta: number; K: number[]; logAbsBias: (number | null)[]; logRelBias: (number | null)[];
  }
  const fx = JSON.parse(readFileSync(fixturePath('reference', 'truncation-estimates.json'), 'utf8')) as { cases: RefCase[] };

  it('has cases for every method the reference has', () => {
    assert.ok(fx.cases.length >= 20);
    for (const m of ['ols', 'max', 'quantile']) assert.ok(fx.cases.some((c) => c.method === m), m);
  });

  fx.cases.forEach((c, i) => {
    it(`case ${i}: ${c.method}, W = ${c.gradNorms.length}, S = ${c.gradNorms[0].length}, τ = ${c.tau}`, () => {
      const est = estimateBias(c.gradNorms, c.cumNorms, c.tau, c.method);
      assert.ok(Math.abs(est.logBeta - c.logBeta) <= 1e-12 * Math.max(1, Math.abs(c.logBeta)), `log β̂ ${est.logBeta} vs ${c.logBeta}`);
      const cmp = (ours: Float64Array, ref: (number | null)[], what: string): void => {
        assert.equal(ours.length, ref.length);
        ref.forEach((r, k) => {
          if (r === null) assert.equal(ours[k], Infinity, `${what}(${k + 1})`);
          else assert.ok(Math.abs(ours[k] - r) <= 1e-10 * Math.max(1, Math.abs(r)), `${what}(${k + 1}): ${ours[k]} vs ${r}`);
        });
      };
      cmp(est.logAbsBias, c.logAbsBias, 'log Ê');
      cmp(est.logRelBias, c.logRelBias, 'log δ̂');
      assert.deepEqual(c.deltas.map((d) => chooseTruncation(est.logRelBias, d)), c.K);
    });
  });
});

describe('logRelBiasAt', () => {
  it('reads the curve up to W and extrapolates the geometric tail beyond it', () => {
    const { lagNorms, cumNorms } = alignedProfile(lagProfile(100, (j) => 0.9 ** j));
    const est = estimateBias(lagNorms, cumNorms, 80, 'ols');
    assert.equal(logRelBiasAt(est, 22), est.logRelBias[21]);
    // Ê(150) = φ̄_80 · 0.9^70 / 0.1 = 10 · 0.9^150; Ĝ = 10 − 19 · 0.9^99.
    relClose(Math.exp(logRelBiasAt(est, 150)), (10 * 0.9 ** 150) / (10 - 19 * 0.9 ** 99), 1e-9, 'δ̂(150)');
    assert.throws(() => logRelBiasAt(est, 0), RangeError);
  });
});
