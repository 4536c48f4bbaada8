/**
 * What a receiver spends on one held frame besides its payload (the frame's
 * objects, the arrays holding it): counted so that tiny segments cost what
 * they weigh.
 */
export const HELD_FRAME_OVERHEAD_BYTES = 256;

/**
 * The bytes receivers hold for messages not yet delivered — frames past a
 * hole, segments of unfinished messages — against one limit shared by every
 * stream of a mux. Pure: a counter the mux hands to the streams it creates.
 */
export class ReassemblyBudget {
  readonly limit: number;
  #used = 0;

  constructor(limit = Number.POSITIVE_INFINITY) {
    this.limit = limit;
  }

  get used(): number {
    return this.#used;
  }

  /** Holds a frame of `payloadBytes`; false, holding nothing, when it would take the budget past its limit. */
  hold(payloadBytes: number): boolean {
    const cost = payloadBytes + HELD_FRAME_OVERHEAD_BYTES;
    if (this.#used + cost > this.limit) return false;
    this.#used += cost;
    return true;
  }

  /** Lets go of `frames` held frames of `payloadBytes` in all. */
  letGo(payloadBytes: number, frames = 1): void {
    this.#used -= payloadBytes + frames * HELD_FRAME_OVERHEAD_BYTES;
  }
}
