import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BETA_METHODS, estimateLogBeta, tauProblem } from '../../../src/learner/truncation/estimate-log-beta';
import { linearQuantile } from '../../../src/learner/truncation/linear-quantile';
import { meanLogNorms } from '../../../src/learner/truncation/mean-log-norms';
import { lagProfile } from './naive-bias';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs expected ${expected}`);

const logs = (phi: number[]): Float64Array => meanLogNorms(phi.map((v) => [v]));

describe('linearQuantile (numpy default "linear")', () => {
  it('interpolates between order statistics like np.quantile', () => {
    // Values printed by numpy 1.24: np.quantile([1,2,3,4], 0.95) = 3.85, [5] -> 5, [3,1,2] at 0.5 -> 2, [0,10] at 0.33 -> 3.3
    close(linearQuantile([1, 2, 3, 4], 0.95), 3.85, 1e-12, 'q95 of 1..4');
    assert.equal(linearQuantile([5], 0.95), 5);
    assert.equal(linearQuantile([3, 1, 2], 0.5), 2);
    close(linearQuantile([0, 10], 0.33), 3.3, 1e-12, 'q33 of [0, 10]');
    assert.equal(linearQuantile([4, 1], 1), 4);
    assert.equal(linearQuantile([4, 1], 0), 1);
  });
  it('rejects empty input and q outside [0, 1]', () => {
    assert.throws(() => linearQuantile([], 0.5), /no values/);
    assert.throws(() => linearQuantile([1], 1.5), /q must be in \[0, 1\]/);
  });
});

describe('estimateLogBeta', () => {
  it('a hand-computed four-lag profile, every method', () => {
    // ℓφ = [0, −1, −3, −3.5]; pairwise slopes (τ = 0): −1, −1.5, −2, −7/6, −1.25, −0.5.
    const l = [0, -1, -3, -3.5];
    // ols over lags 0..3: Σ(x − 1.5)·y / Σ(x − 1.5)² = −6.25/5.
    close(estimateLogBeta(l, 0, 'ols').logBeta, -1.25, 1e-12, 'ols');
    // ols-tail over lags 1..3: slope of (1, −1), (2, −3), (3, −3.5) = −2.5/2.
    close(estimateLogBeta(l, 1, 'ols-tail').logBeta, -1.25, 1e-12, 'ols-tail');
    // max over i = 1..3 of (ℓφ_i − ℓφ_0)/i = max(−1, −1.5, −7/6).
    close(estimateLogBeta(l, 0, 'max').logBeta, -1, 1e-12, 'max');
    // 0.95 quantile of the 6 slopes: sorted [−2, −1.5, −1.25, −7/6, −1, −0.5], h = 4.75 → −1 + 0.75·0.5.
    // numpy: np.quantile([-1,-1.5,-2,-3.5/3,-1.25,-0.5], 0.95) = -0.625
    close(estimateLogBeta(l, 0, 'quantile').logBeta, -0.625, 1e-12, 'quantile');
    // max with τ = 1: slopes from lag 1: (−3 + 1)/1, (−3.5 + 1)/2 → −1.25.
    close(estimateLogBeta(l, 1, 'max').logBeta, -1.25, 1e-12, 'max tau=1');
  });

  it('pure geometric decay gives log β for every method', () => {
    // 0.7^99 ≈ e^−35 stays above the OLS floor e^−50, so ols-tail has lags to fit.
    for (const beta of [0.7, 0.9, 0.99]) {
      const l = logs(lagProfile(100, (j) => 3 * beta ** j));
      for (const method of BETA_METHODS) {
        const est = estimateLogBeta(l, 90, method);
        assert.equal(est.fitted, true);
        close(est.logBeta, Math.log(beta), 1e-10, `${method} β=${beta}`);
      }
    }
  });

  it('plateau then decay: the tail methods see the decay, ols fits the whole profile', () => {
    // φ̄_j = 1 for j < 30, 0.8^(j − 30) after.
    const phi = lagProfile(100, (j) => (j < 30 ? 1 : 0.8 ** (j - 30)));
    const l = logs(phi);
    for (const method of ['ols-tail', 'max', 'quantile'] as const) {
      close(estimateLogBeta(l, 90, method).logBeta, Math.log(0.8), 1e-10, method);
    }
    // OLS by the normal equations (uncentred), on the exact log profile.
    let n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    phi.forEach((v, x) => { const y = Math.log(v); n++; sx += x; sy += y; sxx += x * x; sxy += x * y; });
    const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
    close(estimateLogBeta(l, 90, 'ols').logBeta, slope, 1e-10, 'ols');
    assert.ok(slope > Math.log(0.8), 'the plateau flattens the all-lag fit');
  });

  it('flat norms give log β̂ = 0 and growing norms a positive one', () => {
    for (const method of BETA_METHODS) {
      close(estimateLogBeta(logs(lagProfile(50, () => 2)), 40, method).logBeta, 0, 1e-12, `${method} flat`);
      close(estimateLogBeta(logs(lagProfile(50, (j) => 1.1 ** j)), 40, method).logBeta, Math.log(1.1), 1e-10, `${method} growing`);
    }
  });

  it('OLS ignores lags with ℓφ < −50 (they count as zero)', () => {
    // 0.5^j down to j = 72 (ℓφ ≥ −50), then 1e−40 (below e^−50, off the line): must not bend the fit.
    const l = logs(lagProfile(100, (j) => (j <= 72 ? 0.5 ** j : 1e-40)));
    close(estimateLogBeta(l, 90, 'ols').logBeta, Math.log(0.5), 1e-10, 'ols');
    // A profile that drops to exactly 0 after lag 59: OLS fits lags 0..59 only.
    const z = logs(lagProfile(100, (j) => (j < 60 ? 0.7 ** j : 0)));
    close(estimateLogBeta(z, 90, 'ols').logBeta, Math.log(0.7), 1e-10, 'ols with zeros');
    // ols-tail: every tail lag is zero → nothing to fit → log β̂ = 0, not fitted.
    assert.deepEqual(estimateLogBeta(z, 90, 'ols-tail'), { logBeta: 0, fitted: false });
    // max / quantile: all tail values equal log(1e−100) → slope 0.
    assert.equal(estimateLogBeta(z, 90, 'max').logBeta, 0);
    assert.equal(estimateLogBeta(z, 90, 'quantile').logBeta, 0);
  });

  it('OLS with at most one usable lag falls back to log β̂ = 0 (the reference), flagged as not fitted', () => {
    const l = logs(lagProfile(20, (j) => (j === 0 ? 1 : 1e-30)));
    assert.deepEqual(estimateLogBeta(l, 10, 'ols'), { logBeta: 0, fitted: false });
    assert.deepEqual(estimateLogBeta(logs(lagProfile(20, () => 0)), 10, 'ols'), { logBeta: 0, fitted: false });
  });

  it('is scale invariant for max and quantile at any scale, and for OLS while norms stay above e^−50', () => {
    const base = lagProfile(100, (j) => 0.85 ** j * (1 + 0.2 * Math.sin(j)));
    for (const method of BETA_METHODS) {
      const ref = estimateLogBeta(logs(base), 90, method).logBeta;
      close(estimateLogBeta(logs(base.map((v) => v * 1e30)), 90, method).logBeta, ref, 1e-9, `${method} ×1e30`);
      const tiny = estimateLogBeta(logs(base.map((v) => v * 1e-30)), 90, method);
      if (method === 'max' || method === 'quantile') close(tiny.logBeta, ref, 1e-9, `${method} ×1e−30`);
      else assert.deepEqual(tiny, { logBeta: 0, fitted: false }, `${method} ×1e−30: every ℓφ < −50`);
    }
  });

  it('validates τ against W and the method', () => {
    assert.equal(tauProblem(100, 90, 'ols'), null);
    assert.equal(tauProblem(100, 99, 'ols'), null);
    assert.match(tauProblem(100, 99, 'max') ?? '', /≤ W − 2 = 98/);
    assert.match(tauProblem(100, 100, 'ols') ?? '', /tau \(100\) must be smaller than the window W \(100\)/);
    assert.match(tauProblem(100, -1, 'ols') ?? '', /integer ≥ 0/);
    assert.match(tauProblem(100, 2.5, 'ols') ?? '', /integer ≥ 0/);
    assert.throws(() => estimateLogBeta([0, -1, -2], 3, 'ols'), RangeError);
  });
});

describe('meanLogNorms', () => {
  it('takes the mean over columns before the log, plus 1e−100', () => {
    const l = meanLogNorms([[1, 3], [0, 0], [1e308, 1e308]]);
    close(l[0], Math.log(2), 1e-15, 'mean of 1 and 3');
    close(l[1], Math.log(1e-100), 1e-12, 'zeros');
    close(l[2], Math.log(1e308), 1e-12, 'no overflow for huge norms');
  });
});
