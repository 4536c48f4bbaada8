import type { RpcTransport } from '../rpc/index.ts';
import type { ByteBudget } from './byte-budget.ts';
import { internalError } from './rpc-error.ts';

/** How long a large answer waits for room before it is refused. */
const REPLY_WAIT_MS = 30_000;

/** Room taken for one large answer; `send` gives it back. */
export interface Reservation {
  readonly bytes: number;
  /** Lets the connection's next large answer go ahead. */
  readonly endTurn: () => void;
}

/**
 * The answers of one connection against its send window. An answer sent
 * while the transport is backed up is pending until the transport drains,
 * counted against the connection's limit (above it the connection stops
 * taking requests) and the executor's budget. A large answer is produced
 * only in its turn (one at a time per connection), once the transport has
 * room and the budget can hold it: the file or the body is not read while
 * its answer would only queue.
 */
export class ReplyFlow {
  readonly #transport: RpcTransport;
  readonly #budget: ByteBudget;
  readonly #limit: number;
  readonly #ended = new AbortController();
  readonly #stopWatching: () => void;
  #pending = 0;
  #receivingPaused = false;
  #turn: Promise<void> = Promise.resolve();

  constructor(transport: RpcTransport, budget: ByteBudget, limit: number) {
    this.#transport = transport;
    this.#budget = budget;
    this.#limit = limit;
    this.#stopWatching = transport.onWritable(() => this.#drained());
  }

  /** Aborted when the connection ends. */
  get signal(): AbortSignal {
    return this.#ended.signal;
  }

  /** Waits, in turn, until a large answer of `bytes` has room; a clear error after REPLY_WAIT_MS. */
  async reserve(bytes: number): Promise<Reservation> {
    const previous = this.#turn;
    let endTurn = () => {};
    this.#turn = new Promise((resolve) => {
      endTurn = resolve;
    });
    const deadline = AbortSignal.any([this.#ended.signal, AbortSignal.timeout(REPLY_WAIT_MS)]);
    try {
      await within(previous, deadline, () =>
        this.#gaveUp(`the answers before it were not taken within ${REPLY_WAIT_MS} ms`),
      );
      await this.#writable(deadline);
      if (!(await this.#budget.take(bytes, deadline))) {
        throw this.#budgetFull();
      }
    } catch (err) {
      endTurn();
      throw err;
    }
    return { bytes, endTurn };
  }

  /**
   * Changes the room of an answer in its turn to `bytes`, for a method that
   * learns its answer's size as it makes it: more room is waited for (after
   * the claims already waiting, holding none meanwhile); a clear error after
   * REPLY_WAIT_MS, and then the reservation is let go.
   */
  async resize(reservation: Reservation, bytes: number): Promise<Reservation> {
    const resized = { bytes, endTurn: reservation.endTurn };
    if (bytes <= reservation.bytes) {
      this.#budget.release(reservation.bytes - bytes);
      return resized;
    }
    this.#budget.release(reservation.bytes);
    const deadline = AbortSignal.any([this.#ended.signal, AbortSignal.timeout(REPLY_WAIT_MS)]);
    if (!(await this.#budget.take(bytes, deadline))) {
      reservation.endTurn();
      throw this.#budgetFull();
    }
    return resized;
  }

  /** Sends one answer (with the room reserved for it, if any). */
  send(message: object, reservation?: Reservation): void {
    let sent = 0;
    try {
      sent = this.#transport.send(message);
    } finally {
      reservation?.endTurn();
      const reserved = reservation?.bytes ?? 0;
      if (sent === 0 || this.#transport.writable || this.#ended.signal.aborted)
        this.#budget.release(reserved);
      else this.#hold(sent, reserved);
    }
  }

  /** Gives back the room of an answer that will not be sent (its connection ended). */
  cancel(reservation: Reservation): void {
    reservation.endTurn();
    this.#budget.release(reservation.bytes);
  }

  /** The connection ended: everything pending is let go and waiting answers give up. */
  close(): void {
    this.#ended.abort();
    this.#stopWatching();
    this.#budget.release(this.#pending);
    this.#pending = 0;
  }

  #hold(bytes: number, reserved: number): void {
    this.#budget.release(reserved);
    this.#budget.add(bytes);
    this.#pending += bytes;
    if (this.#pending > this.#limit && !this.#receivingPaused) {
      this.#receivingPaused = true;
      this.#transport.pauseReceiving();
    }
  }

  #drained(): void {
    this.#budget.release(this.#pending);
    this.#pending = 0;
    if (this.#receivingPaused && !this.#ended.signal.aborted) {
      this.#receivingPaused = false;
      this.#transport.resumeReceiving();
    }
  }

  /** The error of a large answer that found no room: `why`, unless the connection ended meanwhile. */
  #gaveUp(why: string): Error {
    return internalError(
      this.#ended.signal.aborted ? 'the connection ended before the answer was made' : why,
    );
  }

  #budgetFull(): Error {
    return this.#gaveUp(
      `the executor is holding ${this.#budget.used} bytes of answers for send windows (max-pending-reply-bytes-total ${this.#budget.limit}); try again later`,
    );
  }

  #writable(signal: AbortSignal): Promise<void> {
    if (this.#transport.writable) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.#transport.onWritable(() => {
        stop();
        signal.removeEventListener('abort', giveUp);
        resolve();
      });
      const giveUp = () => {
        stop();
        reject(
          this.#gaveUp(`the connection took no answers for ${REPLY_WAIT_MS} ms; the answer was not made`),
        );
      };
      signal.addEventListener('abort', giveUp, { once: true });
    });
  }
}

/** `promise`, or the error `failure` makes once `signal` aborts first. */
function within(promise: Promise<void>, signal: AbortSignal, failure: () => Error): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = () => reject(failure());
    if (signal.aborted) return fail();
    signal.addEventListener('abort', fail, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', fail);
      resolve();
    });
  });
}
