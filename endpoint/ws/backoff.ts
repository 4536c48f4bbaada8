export interface BackoffOptions {
  /** First delay (default 1 s). */
  initialMs: number;
  /** Cap (default 30 s). */
  maxMs: number;
  /** A connection that stayed up this long resets the backoff (default 10 s). */
  stableMs: number;
  /** Random source in [0, 1) for the jitter (default Math.random). */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  maxMs: 30_000,
  stableMs: 10_000,
  random: Math.random,
};

/** Exponential reconnect delays with jitter: each delay is drawn from [d/2, d] for d = initial·2^n capped. */
export class Backoff {
  private readonly options: BackoffOptions;
  private attempt = 0;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
  }

  get stableMs(): number {
    return this.options.stableMs;
  }

  next(): number {
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    if (ceiling < this.options.maxMs) this.attempt += 1;
    return ceiling / 2 + (this.options.random() * ceiling) / 2;
  }

  reset(): void {
    this.attempt = 0;
  }
}
