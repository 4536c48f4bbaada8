/** Above this many bytes of unread process output the client stops taking messages. */
export const DEFAULT_OUTPUT_HIGH_WATER_BYTES = 8 * 1024 * 1024;
/** Once unread output falls to this many bytes the client takes messages again. */
export const DEFAULT_OUTPUT_LOW_WATER_BYTES = 2 * 1024 * 1024;

export interface OutputBacklogOptions {
  /** Unread output (bytes) above which the connection is paused (default 8 MiB). */
  highWaterBytes?: number;
  /** Unread output (bytes) at or below which it is resumed (default 2 MiB). */
  lowWaterBytes?: number;
}

/** What a queue of published output reports as items come and go. */
export interface ByteCounter {
  add(bytes: number): void;
  release(bytes: number): void;
}

/**
 * Bytes of process output published to handles but not yet read by the
 * application, summed over one client. Crossing the high watermark asks for
 * a pause (the connection stops taking messages, which backs up through the
 * transport to the executor, which pauses the processes); falling to the
 * low watermark asks for a resume.
 *
 * While paused, answers to requests wait too: an application that stops
 * reading output while it awaits a request can stall until it reads again.
 * The high watermark is large to make that rare; `run()` reads output
 * concurrently with its own requests, so it is never affected.
 */
export class OutputBacklog implements ByteCounter {
  readonly highWaterBytes: number;
  readonly lowWaterBytes: number;
  readonly #listeners = new Set<(paused: boolean) => void>();
  #queued = 0;
  #peak = 0;
  #paused = false;

  constructor(options: OutputBacklogOptions = {}) {
    const high = options.highWaterBytes ?? DEFAULT_OUTPUT_HIGH_WATER_BYTES;
    const low = options.lowWaterBytes ?? Math.min(DEFAULT_OUTPUT_LOW_WATER_BYTES, Math.floor(high / 4));
    if (!Number.isInteger(high) || high < 1) {
      throw new RangeError(`outputBacklog.highWaterBytes must be a positive integer, got ${high}`);
    }
    if (!Number.isInteger(low) || low < 0 || low >= high) {
      throw new RangeError(
        `outputBacklog.lowWaterBytes must be an integer in 0..highWaterBytes-1, got ${low}`,
      );
    }
    this.highWaterBytes = high;
    this.lowWaterBytes = low;
  }

  /** Unread output bytes right now. */
  get queuedBytes(): number {
    return this.#queued;
  }

  /** The most unread output bytes there ever were. */
  get peakQueuedBytes(): number {
    return this.#peak;
  }

  /** True while the connection is asked not to take messages. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Fired on every change of `paused`. */
  onPausedChange(listener: (paused: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  add(bytes: number): void {
    this.#queued += bytes;
    if (this.#queued > this.#peak) this.#peak = this.#queued;
    if (!this.#paused && this.#queued > this.highWaterBytes) this.#set(true);
  }

  release(bytes: number): void {
    this.#queued -= bytes;
    if (this.#paused && this.#queued <= this.lowWaterBytes) this.#set(false);
  }

  #set(paused: boolean): void {
    this.#paused = paused;
    for (const listener of [...this.#listeners]) listener(paused);
  }
}
