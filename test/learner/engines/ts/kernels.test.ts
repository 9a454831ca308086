import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addColumnSums, fillRows, gatherColumns, gemmAcc, scatterAddColumns, transpose } from '../../../../src/learner/engines/ts/kernels';
import { createRng } from '../../../../src/util/rng';

const rng = createRng(123);
const rand = (n: number): Float32Array => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));

/** Float64 triple loop: C[M, N] + A[M, K]·B[K, N]. */
function naiveGemm(M: number, N: number, K: number, A: Float32Array, B: Float32Array, C0: Float32Array): Float64Array {
  const out = Float64Array.from(C0);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[m * N + n] += A[m * K + k] * B[k * N + n];
  return out;
}

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('ts kernels', () => {
  it('gemmAcc adds A·B to C for every block/remainder combination (M, K, N from 1 to 13)', () => {
    for (const M of [1, 2, 3, 4, 5, 8, 9, 13]) {
      for (const K of [1, 3, 4, 7, 8, 9, 16, 17]) {
        for (const N of [1, 5, 12]) {
          const A = rand(M * K), B = rand(K * N), C = rand(M * N);
          const expected = naiveGemm(M, N, K, A, B, C);
          gemmAcc(M, N, K, A, 0, B, 0, C, 0);
          // Float32 storage of C: one rounding per block update, K ≤ 17 terms of size ≤ 1.
          assertNear(C, expected, 1e-5, `M${M} K${K} N${N}`);
        }
      }
    }
  });

  it('gemmAcc splits long depths into cache panels without losing or repeating a term', () => {
    // N = 4096 makes the depth panel 16 deep, so K = 37 runs three panels (16, 16, 5).
    const M = 5, N = 4096, K = 37;
    const A = rand(M * K), B = rand(K * N), C = rand(M * N);
    const expected = naiveGemm(M, N, K, A, B, C);
    gemmAcc(M, N, K, A, 0, B, 0, C, 0);
    assertNear(C, expected, 1e-5, 'paneled product');
  });

  it('gemmAcc honours offsets and touches nothing outside its target rows', () => {
    const M = 6, N = 7, K = 10, aOff = 3, bOff = 5, cOff = 11;
    const A = rand(aOff + M * K + 4), B = rand(bOff + K * N + 2), C = rand(cOff + M * N + 9);
    const before = Float32Array.from(C);
    const expected = naiveGemm(M, N, K, A.slice(aOff, aOff + M * K), B.slice(bOff, bOff + K * N), C.slice(cOff, cOff + M * N));
    gemmAcc(M, N, K, A, aOff, B, bOff, C, cOff);
    assertNear(C.subarray(cOff, cOff + M * N), expected, 1e-5, 'offset product');
    assert.deepEqual(C.subarray(0, cOff), before.subarray(0, cOff));
    assert.deepEqual(C.subarray(cOff + M * N), before.subarray(cOff + M * N));
  });

  it('transpose swaps rows and columns at offsets', () => {
    for (const [r, c] of [[1, 1], [3, 17], [9, 8], [16, 5]]) {
      const src = rand(2 + r * c), dst = new Float32Array(1 + r * c);
      transpose(r, c, src, 2, dst, 1);
      for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) assert.equal(dst[1 + j * r + i], src[2 + i * c + j]);
    }
  });

  it('gatherColumns equals onehot(ids)·Wᵀ + b and scatterAddColumns is its weight gradient', () => {
    const n = 5, vocab = 6;
    const ids = Int32Array.from([2, 0, 5, 2]);
    const W = rand(n * vocab), bias = rand(n);
    const out = new Float32Array(3 + ids.length * n);
    gatherColumns(ids, n, vocab, W, bias, out, 3);
    const onehot = new Float32Array(ids.length * vocab);
    ids.forEach((id, r) => { onehot[r * vocab + id] = 1; });
    const WT = new Float32Array(vocab * n);
    transpose(n, vocab, W, 0, WT, 0);
    const biasRows = new Float32Array(ids.length * n);
    fillRows(ids.length, n, bias, biasRows, 0);
    assertNear(out.subarray(3), naiveGemm(ids.length, n, vocab, onehot, WT, biasRows), 1e-6, 'gather');
    // dW[n, vocab] = dᵀ·onehot.
    const d = rand(ids.length * n);
    const dW = new Float32Array(n * vocab);
    scatterAddColumns(ids, n, vocab, d, 0, dW);
    const dT = new Float32Array(n * ids.length);
    transpose(ids.length, n, d, 0, dT, 0);
    assertNear(dW, naiveGemm(n, vocab, ids.length, dT, onehot, new Float32Array(n * vocab)), 1e-6, 'scatter');
  });

  it('addColumnSums accumulates column sums; fillRows broadcasts a row', () => {
    const x = rand(4 * 3);
    const acc = Float32Array.from([1, 2, 3]);
    addColumnSums(4, 3, x, 0, acc);
    for (let j = 0; j < 3; j++) {
      let s = j + 1;
      for (let r = 0; r < 4; r++) s += x[r * 3 + j];
      assert.ok(Math.abs(acc[j] - s) < 1e-6);
    }
    const out = new Float32Array(2 + 3 * 2);
    fillRows(3, 2, Float32Array.from([7, 8]), out, 2);
    assert.deepEqual([...out], [0, 0, 7, 8, 7, 8, 7, 8]);
  });
});
