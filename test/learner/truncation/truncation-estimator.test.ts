import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TruncationEstimator, type TruncationSnapshot } from '../../../src/learner/truncation/truncation-estimator';
import { TRUNCATION_DEFAULTS } from '../../../src/learner/truncation/truncation-options';
import { alignedProfile, lagProfile } from './naive-bias';

// Diagnostics with known K̂ at δ = 0.1, τ = 80, W = 100:
// geometric 0.9^j → K̂ = 22 (method.md section 2); flat → β̂ = 1 → K̂ = W = 100 (decision 5.1).
const geometric = alignedProfile(lagProfile(100, (j) => 0.9 ** j));
const flat = alignedProfile(lagProfile(100, () => 1));
const opts = { tau: 80, delta: 0.1 };

describe('TruncationEstimator options', () => {
  it('has the documented defaults', () => {
    const e = new TruncationEstimator();
    assert.deepEqual({ ...e.options }, {
      delta: 0.1, window: 100, tau: 90, kMin: 2, kMax: 100, repeats: 5, method: 'ols', k0: 15,
    });
    assert.deepEqual({ ...TRUNCATION_DEFAULTS }, { ...e.options });
    assert.equal(e.value, 15, 'k0 before the first diagnostic');
    assert.equal(e.logBeta, undefined);
    assert.equal(e.relBias, undefined);
    assert.equal(new TruncationEstimator({ kMax: 10 }).value, 10, 'k0 is clamped');
  });

  it('rejects bad options with a message that says how to fix them', () => {
    const cases: Array<[object, RegExp]> = [
      [{ tau: 100 }, /tau \(100\) must be smaller than the window W \(100\).*set tau/],
      [{ window: 50 }, /tau \(90\) must be smaller than the window W \(50\).*e\.g\. to W − W\/10 = 45/],
      [{ tau: 99, method: 'max' }, /tau \(99\) must be ≤ W − 2 = 98/],
      [{ kMin: 20, kMax: 10 }, /kMin \(20\) must be ≤ kMax \(10\); raise kMax or lower kMin/],
      [{ delta: 0 }, /delta must be a finite number > 0/],
      [{ delta: -1 }, /delta must be a finite number > 0/],
      [{ repeats: 0 }, /repeats must be an integer ≥ 1/],
      [{ kMin: 1.5 }, /kMin must be an integer ≥ 1/],
      [{ method: 'median' }, /method must be one of ols, ols-tail, max, quantile, got "median"/],
    ];
    for (const [o, re] of cases) assert.throws(() => new TruncationEstimator(o), (e: Error) => e instanceof RangeError && re.test(e.message), JSON.stringify(o));
  });
});

describe('TruncationEstimator.update', () => {
  it('takes K̂ from one diagnostic and reports β̂ and δ̂ at the new K', () => {
    const e = new TruncationEstimator({ ...opts, repeats: 1 });
    const u = e.update(geometric.lagNorms, geometric.cumNorms);
    assert.equal(u.kHat, 22);
    assert.equal(u.k, 22);
    assert.equal(e.value, 22);
    assert.equal(u.failure, null);
    assert.ok(Math.abs(Math.exp(u.logBeta) - 0.9) < 1e-12);
    assert.ok(Math.abs(Math.exp(u.logRelBiasAtK) - 0.098504) < 1e-6);
    assert.ok(Math.abs((e.relBias ?? NaN) - 0.098504) < 1e-6);
    // A fixed-K user (K = 7) reads its own bias from the same diagnostic.
    assert.ok(Math.abs(Math.exp(e.logRelBiasAt(7) ?? NaN) - 0.478346) < 1e-6);
  });

  it('smooths: K = floor(mean of the last R estimates K̂)', () => {
    const e = new TruncationEstimator({ ...opts, repeats: 3 });
    const seq = [geometric, flat, geometric, geometric, geometric];
    const ks = seq.map((p) => e.update(p.lagNorms, p.cumNorms).k);
    // K̂ = 22, 100, 22, 22, 22 → means over the last 3: 22, 61, 48, 48, 22.
    assert.deepEqual(ks, [22, 61, 48, 48, 22]);
    assert.equal(e.updates, 5);
  });

  it('clamps the smoothed K to [kMin, kMax]', () => {
    const lo = new TruncationEstimator({ ...opts, repeats: 1, kMin: 30 });
    assert.equal(lo.update(geometric.lagNorms, geometric.cumNorms).k, 30);
    assert.equal(lo.update(geometric.lagNorms, geometric.cumNorms).kHat, 22, 'K̂ is reported before clamping');
    const hi = new TruncationEstimator({ ...opts, repeats: 2, kMax: 50 });
    assert.deepEqual([geometric, flat, flat].map((p) => hi.update(p.lagNorms, p.cumNorms).k), [22, 50, 50]);
  });

  it('counts failures by reason; β̂ ≥ 1 sends K to kMax', () => {
    const e = new TruncationEstimator({ ...opts, repeats: 1, kMax: 64 });
    assert.equal(e.update(flat.lagNorms, flat.cumNorms).failure, 'beta-ge-1');
    assert.equal(e.value, 64);
    assert.equal(e.relBias, Infinity);
    const zeroC = geometric.cumNorms.map(() => 0);
    assert.equal(e.update(geometric.lagNorms, zeroC).failure, 'no-lower-bound');
    const vanished = alignedProfile(lagProfile(100, () => 0));
    assert.equal(e.update(vanished.lagNorms, vanished.cumNorms).failure, 'no-decay-fit');
    // β = 0.99 over 100 lags: δ̂(100) ≈ 1.4 is finite but above δ = 0.1.
    const slow = alignedProfile(lagProfile(100, (j) => 0.99 ** j));
    const u = e.update(slow.lagNorms, slow.cumNorms);
    assert.equal(u.failure, 'delta-not-reached');
    assert.equal(u.kHat, 100);
    assert.ok(Number.isFinite(u.logRelBiasAtK));
    assert.equal(e.update(geometric.lagNorms, geometric.cumNorms).failure, null);
    assert.deepEqual(e.failures, { 'no-decay-fit': 1, 'beta-ge-1': 1, 'no-lower-bound': 1, 'delta-not-reached': 1 });
  });

  it('rejects diagnostics of the wrong shape or with bad values, naming the problem', () => {
    const e = new TruncationEstimator(opts);
    assert.throws(() => e.update(geometric.lagNorms.slice(0, 50), geometric.cumNorms.slice(0, 50)), /lagNorms has 50 lags but the estimator's window W is 100/);
    const ragged = geometric.lagNorms.map((r, j) => (j === 3 ? r.slice(1) : r));
    assert.throws(() => e.update(ragged, geometric.cumNorms), /lagNorms is ragged: lagNorms\[3\] has 3 columns/);
    const nan = geometric.lagNorms.map((r, j) => (j === 7 ? [NaN, ...r.slice(1)] : r));
    assert.throws(() => e.update(nan, geometric.cumNorms), /lagNorms\[7\]\[0\] must be a finite number ≥ 0, got NaN/);
    assert.throws(() => e.update(geometric.lagNorms, geometric.cumNorms.slice(1)), /cumNorms has 99 values/);
    assert.equal(e.updates, 0, 'a rejected diagnostic changes nothing');
  });
});

describe('TruncationEstimator snapshot / restore', () => {
  it('round-trips through JSON and continues identically', () => {
    const a = new TruncationEstimator({ ...opts, repeats: 3 });
    for (const p of [geometric, flat, geometric]) a.update(p.lagNorms, p.cumNorms);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as TruncationSnapshot;
    assert.deepEqual(snap.recentEstimates, [22, 100, 22]);
    const b = new TruncationEstimator({ ...opts, repeats: 3 });
    b.restore(snap);
    assert.equal(b.value, a.value);
    assert.equal(b.updates, 3);
    assert.deepEqual(b.failures, a.failures);
    assert.equal(b.logBeta, a.logBeta);
    for (const k of [1, 7, 22, 100, 150]) assert.equal(b.logRelBiasAt(k), a.logRelBiasAt(k), `δ̂(${k})`);
    for (const p of [flat, geometric]) assert.deepEqual(b.update(p.lagNorms, p.cumNorms), a.update(p.lagNorms, p.cumNorms));
    assert.deepEqual(b.snapshot(), a.snapshot());
  });

  it('keeps infinite biases through JSON (as null)', () => {
    const a = new TruncationEstimator({ ...opts, repeats: 1 });
    a.update(flat.lagNorms, flat.cumNorms);
    const snap = JSON.parse(JSON.stringify(a.snapshot())) as TruncationSnapshot;
    assert.equal(snap.last?.logRelBias[0], null);
    const b = new TruncationEstimator(opts);
    b.restore(snap);
    assert.equal(b.logRelBiasAt(5), Infinity);
    assert.equal(b.value, 100);
  });

  it('restores into different options: trims to R, drops a diagnostic of another W', () => {
    const a = new TruncationEstimator({ ...opts, repeats: 3 });
    for (const p of [flat, geometric, geometric]) a.update(p.lagNorms, p.cumNorms);
    const b = new TruncationEstimator({ window: 50, tau: 40, repeats: 2 });
    b.restore(a.snapshot());
    assert.equal(b.value, 22);
    assert.equal(b.logRelBiasAt(5), undefined);
  });

  it('rejects a malformed snapshot', () => {
    const e = new TruncationEstimator();
    assert.throws(() => e.restore({ ...e.snapshot(), version: 2 } as unknown as TruncationSnapshot), /unsupported version 2/);
    assert.throws(() => e.restore({ ...e.snapshot(), recentEstimates: [0] }), /recentEstimates/);
  });
});
