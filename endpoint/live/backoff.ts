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

const DEFAULT_BACKOFF: BackoffOptions = {
  initialMs: 1000,
  maxMs: 30_000,
  stableMs: 10_000,
  random: Math.random,
};

/**
 * Delay before reconnect attempt `attempt` (0-based): d = initial·2^attempt,
 * capped at max, drawn from [d/2, d] ("equal jitter", so many clients do not
 * retry in lockstep). `random` is in [0, 1).
 */
export function jitteredDelay(initialMs: number, maxMs: number, attempt: number, random: number): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * random;
}

/** Reconnect delays for one socket; pure, with time passed in. */
export class Backoff {
  readonly #options: BackoffOptions;
  #attempt = 0;
  #openedAt: number | undefined;

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...DEFAULT_BACKOFF, ...options };
  }

  /** A connection opened at `now`. */
  opened(now: number): void {
    this.#openedAt = now;
  }

  /**
   * The delay before the next attempt, after a failed attempt or a close at
   * `now`. A connection that stayed up `stableMs` starts over from the initial delay.
   */
  next(now: number): number {
    if (this.#openedAt !== undefined && now - this.#openedAt >= this.#options.stableMs) this.#attempt = 0;
    this.#openedAt = undefined;
    const { initialMs, maxMs, random } = this.#options;
    const delay = jitteredDelay(initialMs, maxMs, this.#attempt, random());
    this.#attempt = Math.min(this.#attempt + 1, 30);
    return delay;
  }
}
