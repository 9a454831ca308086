/**
 * A second, deliberately plain implementation of method.md section 2 steps 3–5 in linear space (no logs,
 * no logsumexp), for profiles whose numbers fit in a double. Tests compare the log-space estimator with it.
 * It takes β̂ as given (β̂ < 1) so it checks the bias arithmetic independently of the β methods.
 */
export interface NaiveBias {
  /** Ê(K) at index K, K = 0..W. */
  readonly absBias: number[];
  /** Ĝ (0 when no K' qualifies). */
  readonly lowerBound: number;
  /** δ̂(K) at index K − 1, K = 1..W. */
  readonly relBias: number[];
}

export function naiveBias(phiBar: number[], cum: number[], tau: number, beta: number): NaiveBias {
  const w = phiBar.length;
  const phi = phiBar.map((v) => v + 1e-100);
  const c = cum.map((v) => v + 1e-100);
  const absBias: number[] = [];
  for (let k = 0; k <= w; k++) {
    if (k < tau) {
      let sum = 0;
      for (let j = k; j <= tau; j++) sum += phi[j];
      absBias.push(sum + phi[tau] / (1 - beta));
    } else {
      absBias.push((phi[tau] * Math.pow(beta, k - tau)) / (1 - beta));
    }
  }
  let lowerBound = 0;
  for (let k = 0; k < w; k++) if (c[k] > absBias[k]) lowerBound = Math.max(lowerBound, c[k] - absBias[k]);
  const relBias = absBias.slice(1).map((e) => e / lowerBound);
  return { absBias, lowerBound, relBias };
}

/** The smallest K in 1..W with δ̂(K) < δ, else W. */
export function naiveChooseK(relBias: number[], delta: number): number {
  const i = relBias.findIndex((r) => r < delta);
  return i < 0 ? relBias.length : i + 1;
}

/** Rows [W][S] holding `phiBar[j]` in every one of `s` columns, and C = the cumulative sum of phiBar. */
export function alignedProfile(phiBar: number[], s = 4): { lagNorms: number[][]; cumNorms: number[] } {
  let acc = 0;
  return {
    lagNorms: phiBar.map((v) => Array.from({ length: s }, () => v)),
    cumNorms: phiBar.map((v) => (acc += v)),
  };
}

/** φ̄_j = f(j) for j = 0..w−1. */
export function lagProfile(w: number, f: (j: number) => number): number[] {
  return Array.from({ length: w }, (_, j) => f(j));
}
