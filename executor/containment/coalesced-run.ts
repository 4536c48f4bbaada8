import { setTimeout as sleep } from 'node:timers/promises';

/**
 * One async job run for many callers: a call joins the next run that has
 * not started, which starts once the current run has ended (and at least
 * `gapMs` after it began), so its answer never predates the call. A
 * thousand calls made at once cost one or two runs, not a thousand.
 */
export class CoalescedRun<T> {
  readonly #job: () => Promise<T>;
  readonly #gapMs: number;
  /** The run calls join: not started yet. */
  #next: Promise<T> | null = null;
  #running: Promise<T> | null = null;
  #lastStart = Number.NEGATIVE_INFINITY;

  constructor(job: () => Promise<T>, gapMs = 0) {
    this.#job = job;
    this.#gapMs = gapMs;
  }

  /** The answer of a run that starts after this call. */
  run(): Promise<T> {
    this.#next ??= this.#scheduled();
    return this.#next;
  }

  async #scheduled(): Promise<T> {
    await this.#running?.catch(() => {});
    const wait = this.#lastStart + this.#gapMs - performance.now();
    if (wait > 0) await sleep(wait);
    // From here on, a call waits for a later run.
    this.#next = null;
    this.#lastStart = performance.now();
    const running = this.#job();
    this.#running = running;
    try {
      return await running;
    } finally {
      if (this.#running === running) this.#running = null;
    }
  }
}
