import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRng } from '../../src/util/rng';

describe('createRng (xoshiro128**)', () => {
  it('produces the reference xoshiro128** outputs from the state {1, 2, 3, 4}', () => {
    // Computed from the authors' C code (prng.di.unimi.it/xoshiro128starstar.c) re-typed in Python.
    const rng = createRng(0);
    rng.restore({ state: [1, 2, 3, 4], spareNormal: null });
    const expected = [11520, 0, 5927040, 70819200, 2031721883, 1637235492];
    for (const e of expected) assert.equal(rng.next() * 2 ** 32, e);
  });

  it('is reproducible per seed, and different seeds give different streams', () => {
    const a = createRng(42), b = createRng(42), c = createRng(43);
    const xa = Array.from({ length: 20 }, () => a.next());
    const xb = Array.from({ length: 20 }, () => b.next());
    const xc = Array.from({ length: 20 }, () => c.next());
    assert.deepEqual(xa, xb);
    assert.notDeepEqual(xa, xc);
  });

  it('next() is uniform on [0, 1): range, mean 1/2 and variance 1/12', () => {
    const rng = createRng(7);
    const n = 200_000;
    let sum = 0, sq = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.next();
      assert.ok(x >= 0 && x < 1);
      sum += x;
      sq += x * x;
    }
    const mean = sum / n, variance = sq / n - mean * mean;
    assert.ok(Math.abs(mean - 0.5) < 0.004, `mean ${mean}`);           // ≈ 6 standard errors
    assert.ok(Math.abs(variance - 1 / 12) < 0.002, `variance ${variance}`);
  });

  it('normal() has mean 0, variance 1 and the normal tail mass', () => {
    const rng = createRng(11);
    const n = 200_000;
    let sum = 0, sq = 0, tail = 0;
    for (let i = 0; i < n; i++) {
      const x = rng.normal();
      sum += x;
      sq += x * x;
      if (Math.abs(x) > 1.959964) tail++;
    }
    const mean = sum / n;
    assert.ok(Math.abs(mean) < 0.015, `mean ${mean}`);
    assert.ok(Math.abs(sq / n - mean * mean - 1) < 0.02, `variance ${sq / n}`);
    assert.ok(Math.abs(tail / n - 0.05) < 0.004, `P(|x| > 1.96) = ${tail / n}`);
  });

  it('int(n) covers [0, n) evenly and rejects bad n', () => {
    const rng = createRng(3);
    const n = 7, draws = 70_000;
    const counts = new Array<number>(n).fill(0);
    for (let i = 0; i < draws; i++) {
      const k = rng.int(n);
      assert.ok(Number.isInteger(k) && k >= 0 && k < n);
      counts[k]++;
    }
    // Chi-square with 6 degrees of freedom: P(χ² > 22.5) ≈ 0.001.
    const e = draws / n;
    const chi2 = counts.reduce((s, c) => s + (c - e) ** 2 / e, 0);
    assert.ok(chi2 < 22.5, `chi2 ${chi2} counts ${counts}`);
    assert.equal(rng.int(1), 0);
    for (const bad of [0, -1, 2.5, NaN]) assert.throws(() => rng.int(bad), RangeError);
  });

  it('uniform(lo, hi) stays in [lo, hi)', () => {
    const rng = createRng(5);
    for (let i = 0; i < 10_000; i++) {
      const x = rng.uniform(-0.25, 0.75);
      assert.ok(x >= -0.25 && x < 0.75);
    }
  });

  it('snapshot/restore continues exactly, including a pending normal value, through JSON', () => {
    const rng = createRng(99);
    for (let i = 0; i < 10; i++) rng.next();
    rng.normal();                                   // leaves the second Box–Muller value pending
    const snap = JSON.parse(JSON.stringify(rng.snapshot()));
    const expected = [rng.normal(), rng.next(), rng.normal(), rng.int(1000)];
    const other = createRng(1);
    other.restore(snap);
    assert.deepEqual([other.normal(), other.next(), other.normal(), other.int(1000)], expected);
    rng.restore(snap);
    assert.deepEqual([rng.normal(), rng.next(), rng.normal(), rng.int(1000)], expected);
  });

  it('rejects invalid seeds and snapshots', () => {
    assert.throws(() => createRng(Infinity), RangeError);
    const rng = createRng(1);
    assert.throws(() => rng.restore({ state: [0, 0, 0, 0], spareNormal: null }), RangeError);
    assert.throws(() => rng.restore({ state: [1, 2, 3, 2 ** 32], spareNormal: null }), RangeError);
  });
});
