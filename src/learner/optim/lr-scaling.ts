/** How the learning rate follows the truncation length K (method.md section 3). */
export type LrScaling = 'none' | 'sqrt' | 'linear';

/** γ = γ0 (none), γ0·√K (sqrt) or γ0·K (linear). */
export function scaledLearningRate(baseLr: number, k: number, scaling: LrScaling): number {
  switch (scaling) {
    case 'none':
      return baseLr;
    case 'sqrt':
      return baseLr * Math.sqrt(k);
    case 'linear':
      return baseLr * k;
  }
}
