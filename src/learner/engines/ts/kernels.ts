/**
 * Dense float32 kernels for the plain-TypeScript engine. All matrices are row-major and contiguous,
 * addressed by (array, offset). The hot kernel is {@link gemmAcc}, register-blocked 4 rows × 4 depth
 * (the best of the block shapes tried on V8 here: 4×4, 4×8, 2×4, 2×8, 1×8 and dot-product forms);
 * callers pre-transpose operands so that every product has the form C += A·B with B read along its rows.
 */

/**
 * C[M, N] += A[M, K] · B[K, N] (row-major, leading dimensions K, N and N).
 * Blocks of 4 rows of A and 4 steps of K keep 16 values of A in registers while streaming a row
 * of each of 4 B rows and 4 C rows; leftover rows use 1 × 8 depth blocks, leftover depth single steps.
 */
export function gemmAcc(M: number, N: number, K: number,
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number): void {
  // Depth panels of ≈ 64k floats of B (256 KB) stay in L2 while every row block of A passes over them;
  // this matters for the weight gradients, whose depth is T·B.
  const panel = Math.max(8, Math.floor(PANEL_FLOATS / N / 8) * 8);
  for (let k0 = 0; k0 < K; k0 += panel) gemmPanel(M, N, K, k0, Math.min(K, k0 + panel), A, aOff, B, bOff, C, cOff);
}

const PANEL_FLOATS = 65536;

/** C[M, N] += A[:, k0:k1] · B[k0:k1, :], A with leading dimension K. */
function gemmPanel(M: number, N: number, K: number, k0: number, k1: number,
  A: Float32Array, aOff: number, B: Float32Array, bOff: number, C: Float32Array, cOff: number): void {
  let m = 0;
  for (; m + 4 <= M; m += 4) {
    const ra0 = aOff + m * K, ra1 = ra0 + K, ra2 = ra1 + K, ra3 = ra2 + K;
    const c0 = cOff + m * N, c1 = c0 + N, c2 = c1 + N, c3 = c2 + N;
    let k = k0;
    for (; k + 4 <= k1; k += 4) {
      const a00 = A[ra0 + k], a01 = A[ra0 + k + 1], a02 = A[ra0 + k + 2], a03 = A[ra0 + k + 3];
      const a10 = A[ra1 + k], a11 = A[ra1 + k + 1], a12 = A[ra1 + k + 2], a13 = A[ra1 + k + 3];
      const a20 = A[ra2 + k], a21 = A[ra2 + k + 1], a22 = A[ra2 + k + 2], a23 = A[ra2 + k + 3];
      const a30 = A[ra3 + k], a31 = A[ra3 + k + 1], a32 = A[ra3 + k + 2], a33 = A[ra3 + k + 3];
      const b0 = bOff + k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N;
      for (let n = 0; n < N; n++) {
        const y0 = B[b0 + n], y1 = B[b1 + n], y2 = B[b2 + n], y3 = B[b3 + n];
        C[c0 + n] += a00 * y0 + a01 * y1 + a02 * y2 + a03 * y3;
        C[c1 + n] += a10 * y0 + a11 * y1 + a12 * y2 + a13 * y3;
        C[c2 + n] += a20 * y0 + a21 * y1 + a22 * y2 + a23 * y3;
        C[c3 + n] += a30 * y0 + a31 * y1 + a32 * y2 + a33 * y3;
      }
    }
    for (; k < k1; k++) {
      const a0 = A[ra0 + k], a1 = A[ra1 + k], a2 = A[ra2 + k], a3 = A[ra3 + k];
      const b0 = bOff + k * N;
      for (let n = 0; n < N; n++) {
        const y = B[b0 + n];
        C[c0 + n] += a0 * y;
        C[c1 + n] += a1 * y;
        C[c2 + n] += a2 * y;
        C[c3 + n] += a3 * y;
      }
    }
  }
  for (; m < M; m++) gemvRowAcc(N, k0, k1, A, aOff + m * K, B, bOff, C, cOff + m * N);
}

/** c[N] += a[k0:k1] · B[k0:k1, N]: one row, blocked 8 steps of depth at a time. */
function gemvRowAcc(N: number, k0: number, k1: number, A: Float32Array, ra: number, B: Float32Array, bOff: number,
  C: Float32Array, c: number): void {
  let k = k0;
  for (; k + 8 <= k1; k += 8) {
    const a0 = A[ra + k], a1 = A[ra + k + 1], a2 = A[ra + k + 2], a3 = A[ra + k + 3];
    const a4 = A[ra + k + 4], a5 = A[ra + k + 5], a6 = A[ra + k + 6], a7 = A[ra + k + 7];
    const b0 = bOff + k * N, b1 = b0 + N, b2 = b1 + N, b3 = b2 + N, b4 = b3 + N, b5 = b4 + N, b6 = b5 + N, b7 = b6 + N;
    for (let n = 0; n < N; n++) {
      C[c + n] += a0 * B[b0 + n] + a1 * B[b1 + n] + a2 * B[b2 + n] + a3 * B[b3 + n]
        + a4 * B[b4 + n] + a5 * B[b5 + n] + a6 * B[b6 + n] + a7 * B[b7 + n];
    }
  }
  for (; k < k1; k++) {
    const a = A[ra + k];
    const b0 = bOff + k * N;
    for (let n = 0; n < N; n++) C[c + n] += a * B[b0 + n];
  }
}

/** dst[cols, rows] = srcᵀ for src[rows, cols] (both contiguous at the given offsets). */
export function transpose(rows: number, cols: number, src: Float32Array, sOff: number, dst: Float32Array, dOff: number): void {
  // 8 × 8 tiles keep both sides within a few cache lines.
  const T = 8;
  for (let r0 = 0; r0 < rows; r0 += T) {
    const r1 = Math.min(r0 + T, rows);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let r = r0; r < r1; r++) {
        const s = sOff + r * cols;
        for (let c = c0; c < c1; c++) dst[dOff + c * rows + r] = src[s + c];
      }
    }
  }
}

/** Each of the `rows` rows of out[rows, n] (from offset oOff) set to bias[n]. */
export function fillRows(rows: number, n: number, bias: Float32Array, out: Float32Array, oOff: number): void {
  for (let r = 0; r < rows; r++) out.set(bias, oOff + r * n);
}

/** acc[n] += Σ_r x[r, n] over `rows` rows of x[rows, n] from offset xOff (a bias gradient). */
export function addColumnSums(rows: number, n: number, x: Float32Array, xOff: number, acc: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = xOff + r * n;
    for (let j = 0; j < n; j++) acc[j] += x[o + j];
  }
}

/** out[r, :] = W[:, ids[r]] + bias for r < ids.length: the product onehot(ids) · Wᵀ without the one-hot. W is [n, vocab]. */
export function gatherColumns(ids: Int32Array, n: number, vocab: number, W: Float32Array, bias: Float32Array,
  out: Float32Array, oOff: number): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    const o = oOff + r * n;
    for (let j = 0; j < n; j++) out[o + j] = W[j * vocab + id] + bias[j];
  }
}

/** dW[:, ids[r]] += d[r, :] for r < ids.length: the weight gradient of {@link gatherColumns}. dW is [n, vocab]. */
export function scatterAddColumns(ids: Int32Array, n: number, vocab: number, d: Float32Array, dOff: number, dW: Float32Array): void {
  for (let r = 0; r < ids.length; r++) {
    const id = ids[r];
    const o = dOff + r * n;
    for (let j = 0; j < n; j++) dW[j * vocab + id] += d[o + j];
  }
}
