/**
 * Releases items after their delay without ever letting one overtake another:
 * each item leaves at max(its own due time, the previous item's). Delay and
 * jitter therefore stretch a direction in time the way a slow link does,
 * while reordering stays the job of the explicit reorder fault.
 */

export class OrderedDelay<T> {
  readonly #deliver: (item: T) => void;
  readonly #queue: { item: T; at: number }[] = [];
  #lastAt = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(deliver: (item: T) => void) {
    this.#deliver = deliver;
  }

  push(item: T, delayMs: number): void {
    const at = Math.max(performance.now() + delayMs, this.#lastAt);
    this.#lastAt = at;
    if (delayMs <= 0 && this.#queue.length === 0) {
      this.#deliver(item);
      return;
    }
    this.#queue.push({ item, at });
    this.#arm();
  }

  /** Discards everything still waiting. */
  clear(): void {
    this.#queue.length = 0;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    if (this.#timer !== undefined) return;
    const head = this.#queue[0];
    if (head === undefined) return;
    this.#timer = setTimeout(() => this.#release(), Math.max(0, head.at - performance.now()));
  }

  #release(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#queue.length > 0 && (this.#queue[0] as { at: number }).at <= now) {
      this.#deliver((this.#queue.shift() as { item: T }).item);
    }
    this.#arm();
  }
}
