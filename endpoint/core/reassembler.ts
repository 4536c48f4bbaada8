import type { RelayDataBody } from '../../proto/codec/index.ts';
import type { ReassemblyBudget } from './reassembly-budget.ts';

export type ReassembleResult =
  | { ok: true; message: Uint8Array | undefined }
  | { ok: false; code: 'bad_segment' | 'message_too_large' | 'too_many_segments' | 'reassembly_limit' };

interface Partial {
  start: number;
  count: number;
  parts: Uint8Array[];
  size: number;
}

/**
 * Rebuilds messages from in-order data frames. A message starts at
 * `seq − segment_index`; its segments must follow with consecutive seqs and
 * the same `segment_count`. An unfinished message is bounded by its size,
 * its segment count and the budget it shares with other streams.
 */
export class Reassembler {
  readonly #maxMessageBytes: number;
  readonly #maxSegments: number;
  readonly #budget: ReassemblyBudget;
  #partial: Partial | undefined;

  constructor(maxMessageBytes: number, maxSegments: number, budget: ReassemblyBudget) {
    this.#maxMessageBytes = maxMessageBytes;
    this.#maxSegments = maxSegments;
    this.#budget = budget;
  }

  push(seq: number, data: RelayDataBody): ReassembleResult {
    const current = this.#partial;
    if (current === undefined) {
      if (data.segmentIndex !== 0) return { ok: false, code: 'bad_segment' };
      if (data.payload.length > this.#maxMessageBytes) return { ok: false, code: 'message_too_large' };
      if (data.segmentCount === 1) return { ok: true, message: data.payload };
      if (data.segmentCount > this.#maxSegments) return { ok: false, code: 'too_many_segments' };
      if (!this.#budget.hold(data.payload.length)) return { ok: false, code: 'reassembly_limit' };
      this.#partial = {
        start: seq,
        count: data.segmentCount,
        parts: [data.payload],
        size: data.payload.length,
      };
      return { ok: true, message: undefined };
    }
    if (
      data.segmentCount !== current.count ||
      seq - data.segmentIndex !== current.start ||
      data.segmentIndex !== current.parts.length
    ) {
      return { ok: false, code: 'bad_segment' };
    }
    if (current.size + data.payload.length > this.#maxMessageBytes) {
      return { ok: false, code: 'message_too_large' };
    }
    if (!this.#budget.hold(data.payload.length)) return { ok: false, code: 'reassembly_limit' };
    current.size += data.payload.length;
    current.parts.push(data.payload);
    if (current.parts.length < current.count) return { ok: true, message: undefined };
    this.clear();
    const message = new Uint8Array(current.size);
    let offset = 0;
    for (const part of current.parts) {
      message.set(part, offset);
      offset += part.length;
    }
    return { ok: true, message };
  }

  /** Drops the unfinished message, if any, giving its bytes back to the budget. */
  clear(): void {
    const current = this.#partial;
    if (current === undefined) return;
    this.#partial = undefined;
    this.#budget.letGo(current.size, current.parts.length);
  }
}
