import type { Clock } from '../../endpoint/index.ts';

interface Timer {
  at: number;
  fn: () => void;
  cancelled: boolean;
}

/** A Clock that moves only when the test advances it; due timers run in time order. */
export class ManualClock implements Clock {
  #now = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    const timer: Timer = { at: this.#now + Math.max(0, ms), fn, cancelled: false };
    this.#timers.push(timer);
    return () => {
      timer.cancelled = true;
    };
  }

  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      this.#timers = this.#timers.filter((t) => !t.cancelled).sort((a, b) => a.at - b.at);
      const due = this.#timers[0];
      if (due === undefined || due.at > end) break;
      this.#now = due.at;
      due.cancelled = true;
      due.fn();
    }
    this.#now = end;
  }
}
