import type { ByteBudget } from '../byte-budget.ts';
import { internalError } from '../rpc-error.ts';

/** How long a write waits for the process to read what it was given before it is refused. */
export const STDIN_WAIT_MS = 10_000;

/**
 * The stdin bytes one process was given and has not read yet, bounded per
 * process (`limit`; one write larger than it is taken when nothing else is
 * in flight) and, through `budget`, per executor. A write that does not fit
 * waits, in order, for the process to read, and is refused with a clear
 * error after STDIN_WAIT_MS; one that does not fit the executor's budget is
 * refused at once, so no waiting write holds memory beyond the budget.
 */
export class StdinGate {
  readonly #limit: number;
  readonly #budget: ByteBudget;
  #inFlight = 0;
  #turn: Promise<void> = Promise.resolve();
  #wake: (() => void) | undefined;

  constructor(limit: number, budget: ByteBudget) {
    this.#limit = limit;
    this.#budget = budget;
  }

  /**
   * Hands `data` to `write` once it has room. `write` must call its callback
   * once the OS took the bytes (or the stdin failed). Resolves false, writing
   * nothing, when `open()` says stdin closed while waiting.
   */
  async pass(
    data: Buffer,
    write: (data: Buffer, written: () => void) => void,
    open: () => boolean,
  ): Promise<boolean> {
    if (!this.#budget.tryTake(data.length)) {
      throw internalError(
        `the executor holds ${this.#budget.used} bytes of stdin that processes have not read (max-stdin-bytes-total ${this.#budget.limit}); the write was not made`,
      );
    }
    const previous = this.#turn;
    let endTurn = () => {};
    this.#turn = new Promise((resolve) => {
      endTurn = resolve;
    });
    const deadline = Date.now() + STDIN_WAIT_MS;
    try {
      await previous;
      while (open() && this.#inFlight > 0 && this.#inFlight + data.length > this.#limit) {
        if (!(await this.#readByProcess(deadline - Date.now()))) {
          throw internalError(
            `the process has not read ${this.#inFlight} bytes of its stdin within ${STDIN_WAIT_MS} ms (max-stdin-bytes ${this.#limit}); the write was not made`,
          );
        }
      }
      if (!open()) {
        this.#budget.release(data.length);
        return false;
      }
    } catch (err) {
      this.#budget.release(data.length);
      throw err;
    } finally {
      endTurn();
    }
    this.#inFlight += data.length;
    write(data, () => {
      this.#inFlight -= data.length;
      this.#budget.release(data.length);
      this.#wake?.();
    });
    return true;
  }

  /** Stdin closed or the process exited: a waiting write stops waiting. */
  closed(): void {
    this.#wake?.();
  }

  /** Resolves true when the process read something (or stdin closed), false after `ms`. */
  #readByProcess(ms: number): Promise<boolean> {
    if (ms <= 0) return Promise.resolve(false);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        resolve(false);
      }, ms);
      this.#wake = () => {
        clearTimeout(timer);
        this.#wake = undefined;
        resolve(true);
      };
    });
  }
}
