/**
 * A count of bytes held against a limit, shared by everyone who holds
 * them. Waiters are served in order, so a large claim is not starved by a
 * stream of small ones.
 */
export class ByteBudget {
  readonly limit: number;
  #used = 0;
  readonly #waiters: { bytes: number; grant: () => void }[] = [];

  constructor(limit: number) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Takes `bytes` if they fit (a claim larger than the whole limit fits an empty budget); false otherwise. */
  tryTake(bytes: number): boolean {
    if (this.#waiters.length > 0 || !this.#fits(bytes)) return false;
    this.#used += bytes;
    return true;
  }

  /** Takes `bytes` once they fit, after the claims already waiting; false when `signal` aborts first. */
  take(bytes: number, signal: AbortSignal): Promise<boolean> {
    if (this.tryTake(bytes)) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const waiter = {
        bytes,
        grant: () => {
          signal.removeEventListener('abort', abandon);
          resolve(true);
        },
      };
      const abandon = () => {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        resolve(false);
        this.#serve();
      };
      signal.addEventListener('abort', abandon, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Counts `bytes` already held, whether or not they fit. */
  add(bytes: number): void {
    this.#used += bytes;
  }

  release(bytes: number): void {
    this.#used -= bytes;
    this.#serve();
  }

  #fits(bytes: number): boolean {
    return this.#used === 0 || this.#used + bytes <= this.limit;
  }

  #serve(): void {
    for (let next = this.#waiters[0]; next !== undefined && this.#fits(next.bytes); next = this.#waiters[0]) {
      this.#waiters.shift();
      this.#used += next.bytes;
      next.grant();
    }
  }
}
