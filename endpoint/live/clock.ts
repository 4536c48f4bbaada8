/**
 * Time and timers for the live adapters (mux driver, socket keepalive,
 * reconnect), injected like the core's `now` so that tests can drive them
 * and no adapter reads a clock of its own.
 */
export interface Clock {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /**
   * Runs `fn` once after `ms` milliseconds; 0 means right after pending I/O.
   * Returns a cancel function. The timer does not keep the process alive
   * unless `keepAlive` is set.
   */
  after(ms: number, fn: () => void, options?: { keepAlive?: boolean }): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  after(ms, fn, options) {
    if (ms <= 0) {
      const immediate = setImmediate(fn);
      if (!options?.keepAlive) immediate.unref();
      return () => clearImmediate(immediate);
    }
    const timer = setTimeout(fn, Math.ceil(ms));
    if (!options?.keepAlive) timer.unref();
    return () => clearTimeout(timer);
  },
};
