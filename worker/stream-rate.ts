/**
 * How fast each harness socket may claim new streams: a token bucket per
 * socket, `burst` deep, refilled at `perSecond`, computed from the time of
 * each claim (the object sets no timers). Kept in memory only: after the
 * object restarts every socket starts with a full bucket.
 */
export class NewStreamRate {
  readonly #perMs: number;
  readonly #burst: number;
  readonly #buckets = new Map<string, { tokens: number; at: number }>();

  constructor(perSecond: number, burst: number) {
    this.#perMs = perSecond / 1000;
    this.#burst = burst;
  }

  /** Takes a token for one new stream on `socketKey` at `now` (ms); false when the bucket is empty. */
  take(socketKey: string, now: number): boolean {
    const bucket = this.#buckets.get(socketKey) ?? { tokens: this.#burst, at: now };
    bucket.tokens = Math.min(this.#burst, bucket.tokens + Math.max(0, now - bucket.at) * this.#perMs);
    bucket.at = now;
    this.#buckets.set(socketKey, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  forget(socketKey: string): void {
    this.#buckets.delete(socketKey);
  }
}
