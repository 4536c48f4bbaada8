import type { ByteCounter } from './output-backlog.ts';

/** Consumed slots at the head are cut off once there are this many (and they are half the array). */
const COMPACT_AFTER = 1024;

export interface OutputQueueOptions<T> {
  /** Counts the bytes of queued items (published, not yet taken by the consumer). */
  counter: ByteCounter;
  sizeOf: (item: T) => number;
}

/**
 * A single-consumer async queue: the producer pushes, the consumer iterates
 * with `for await`; `end(error)` makes the iteration throw after the items
 * already queued. Dequeue is O(1). Queued bytes are reported to a counter,
 * which is how the client bounds unread output; a consumer that stops
 * iterating early releases what is left, and later pushes are dropped.
 */
export class OutputQueue<T> implements AsyncIterable<T> {
  readonly #items: (T | undefined)[] = [];
  #head = 0;
  readonly #counter: ByteCounter;
  readonly #sizeOf: (item: T) => number;
  #ended = false;
  #abandoned = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;
  #iterating = false;

  constructor(options: OutputQueueOptions<T>) {
    this.#counter = options.counter;
    this.#sizeOf = options.sizeOf;
  }

  push(item: T): void {
    if (this.#ended || this.#abandoned) return;
    this.#items.push(item);
    this.#counter.add(this.#sizeOf(item));
    this.#notify();
  }

  end(error?: Error): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    if (this.#iterating) throw new Error('output can be iterated only once');
    this.#iterating = true;
    try {
      for (;;) {
        const item = this.#take();
        if (item !== undefined) {
          yield item;
          continue;
        }
        if (this.#ended) {
          if (this.#error !== undefined) throw this.#error;
          return;
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
      }
    } finally {
      // Stopped early (break, throw in the loop body): nobody can read the rest.
      this.#abandon();
    }
  }

  #take(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
    } else if (this.#head >= COMPACT_AFTER && this.#head * 2 >= this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
    this.#counter.release(this.#sizeOf(item));
    return item;
  }

  #abandon(): void {
    this.#abandoned = true;
    while (this.#take() !== undefined) {
      // releases each item's bytes
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
