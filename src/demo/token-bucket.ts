import type { Clock } from './clock';

/**
 * A token bucket: tokens accrue at `ratePerSecond` up to `capacity` (the largest burst); taking n tokens
 * waits until they have accrued. A take larger than the bucket is allowed and goes into debt (the next
 * takes wait for it), so the long-run rate is `ratePerSecond` whatever the batch sizes. Starts full.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(readonly ratePerSecond: number, readonly capacity: number, private readonly clock: Clock) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError(`rate must be a positive number per second, got ${ratePerSecond}`);
    if (!(capacity > 0)) throw new RangeError(`capacity must be positive, got ${capacity}`);
    this.tokens = capacity;
    this.last = clock.now();
  }

  /** Reserves n tokens now; returns the milliseconds to wait before using them (0 if available). */
  reserve(n: number): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.ratePerSecond);
    this.last = now;
    this.tokens -= n;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.ratePerSecond) * 1000;
  }

  /** Waits until n tokens are available and takes them (returns early if `signal` aborts). */
  async take(n: number, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve(n);
    if (wait > 0) await this.clock.sleep(wait, signal);
  }
}
