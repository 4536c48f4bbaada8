export interface Segment {
  payload: Uint8Array;
  segmentIndex: number;
  segmentCount: number;
}

interface PendingMessage {
  message: Uint8Array;
  count: number;
  next: number;
}

/**
 * Queue of application messages waiting for window room, cut into segments
 * of at most `segmentBytes` lazily, one segment at a time, so a large message
 * never sits in memory twice.
 */
export class Segmenter {
  readonly #segmentBytes: number;
  readonly #queue: PendingMessage[] = [];

  constructor(segmentBytes: number) {
    this.#segmentBytes = segmentBytes;
  }

  push(message: Uint8Array): void {
    this.#queue.push({ message, count: Math.ceil(message.length / this.#segmentBytes), next: 0 });
  }

  get empty(): boolean {
    return this.#queue.length === 0;
  }

  /** Payload size of the next segment, if any. */
  peekSize(): number | undefined {
    const head = this.#queue[0];
    if (head === undefined) return undefined;
    const start = head.next * this.#segmentBytes;
    return Math.min(this.#segmentBytes, head.message.length - start);
  }

  take(): Segment | undefined {
    const head = this.#queue[0];
    if (head === undefined) return undefined;
    const start = head.next * this.#segmentBytes;
    const payload = head.message.subarray(start, Math.min(head.message.length, start + this.#segmentBytes));
    const segment = { payload, segmentIndex: head.next, segmentCount: head.count };
    head.next += 1;
    if (head.next === head.count) this.#queue.shift();
    return segment;
  }
}
