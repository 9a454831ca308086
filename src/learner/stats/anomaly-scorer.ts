/** JSON state of an {@link AnomalyScorer}: per key [mean, variance, count]. */
export type AnomalyScorerSnapshot = Array<[key: string, mean: number, variance: number, count: number]>;

/**
 * Standardises each key's prediction error by its running statistics (exponentially weighted mean and
 * variance of the loss): score = (loss − mean) / sqrt(variance + ε), computed before the loss updates
 * them. 0 until a key has `warmup` observations. A statistic object: `update` / `value` / `snapshot`.
 */
export class AnomalyScorer {
  private readonly stats = new Map<string, [number, number, number]>();

  /** @param halfLife observations after which an old loss weighs half; @param warmup observations before scoring. */
  constructor(private readonly halfLife = 100, private readonly warmup = 10) {}

  /** Scores `loss` for `key`, then learns from it. */
  update(key: string, loss: number): number {
    let s = this.stats.get(key);
    if (!s) this.stats.set(key, (s = [loss, 0, 0]));
    const [mean, variance, count] = s;
    const score = count >= this.warmup ? (loss - mean) / Math.sqrt(variance + 1e-12) : 0;
    if (Number.isFinite(loss)) {
      const alpha = Math.max(1 / (count + 1), 1 - Math.pow(0.5, 1 / this.halfLife));
      const diff = loss - mean;
      const incr = alpha * diff;
      s[0] = mean + incr;
      s[1] = (1 - alpha) * (variance + diff * incr);
      s[2] = count + 1;
    }
    return Number.isFinite(score) ? score : 0;
  }

  /** Forgets a key (evicted or revoked). */
  forget(key: string): void {
    this.stats.delete(key);
  }

  /** A key's running statistics [mean, variance, count] (undefined for an unseen key). */
  get(key: string): [number, number, number] | undefined {
    const s = this.stats.get(key);
    return s ? [s[0], s[1], s[2]] : undefined;
  }

  /** Sets a key's running statistics (restored state). */
  set(key: string, stats: readonly [number, number, number]): void {
    this.stats.set(key, [stats[0], stats[1], stats[2]]);
  }

  snapshot(): AnomalyScorerSnapshot {
    return [...this.stats].map(([k, [m, v, c]]) => [k, m, v, c]);
  }

  restore(snapshot: AnomalyScorerSnapshot): void {
    this.stats.clear();
    for (const [k, m, v, c] of snapshot) this.stats.set(k, [m, v, c]);
  }
}
