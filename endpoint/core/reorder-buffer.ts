import type { RelayDataBody } from '../../proto/codec/index.ts';

/**
 * Data frames received past a hole, held until the hole fills and they can be
 * delivered in order. Their payload bytes are bounded by the send window's
 * byte limit (DESIGN.md §3): a peer that sends more broke the protocol.
 */
export class ReorderBuffer {
  readonly #limitBytes: number;
  readonly #frames = new Map<number, RelayDataBody>();
  #bytes = 0;

  constructor(limitBytes: number) {
    this.#limitBytes = limitBytes;
  }

  /** Payload bytes held. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Holds a frame; false, holding nothing, when its payload would take the buffer past the limit. */
  hold(seq: number, data: RelayDataBody): boolean {
    if (this.#bytes + data.payload.length > this.#limitBytes) return false;
    this.#bytes += data.payload.length;
    this.#frames.set(seq, data);
    return true;
  }

  /** Removes and returns the frame held for `seq`, if any. */
  take(seq: number): RelayDataBody | undefined {
    const data = this.#frames.get(seq);
    if (data === undefined) return undefined;
    this.#frames.delete(seq);
    this.#bytes -= data.payload.length;
    return data;
  }

  /** Forgets every frame (after a reset). */
  clear(): void {
    this.#frames.clear();
    this.#bytes = 0;
  }
}
