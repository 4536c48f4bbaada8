import type { RelayDataBody } from '../../proto/codec/index.ts';

export type ReassembleResult =
  | { ok: true; message: Uint8Array | undefined }
  | { ok: false; code: 'bad_segment' | 'message_too_large' };

interface Partial {
  start: number;
  count: number;
  parts: Uint8Array[];
  size: number;
}

/**
 * Rebuilds messages from in-order data frames. A message starts at
 * `seq − segment_index`; its segments must follow with consecutive seqs and
 * the same `segment_count`.
 */
export class Reassembler {
  readonly #maxMessageBytes: number;
  #partial: Partial | undefined;

  constructor(maxMessageBytes: number) {
    this.#maxMessageBytes = maxMessageBytes;
  }

  push(seq: number, data: RelayDataBody): ReassembleResult {
    const current = this.#partial;
    if (current === undefined) {
      if (data.segmentIndex !== 0) return { ok: false, code: 'bad_segment' };
      if (data.payload.length > this.#maxMessageBytes) return { ok: false, code: 'message_too_large' };
      if (data.segmentCount === 1) return { ok: true, message: data.payload };
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
    current.size += data.payload.length;
    if (current.size > this.#maxMessageBytes) return { ok: false, code: 'message_too_large' };
    current.parts.push(data.payload);
    if (current.parts.length < current.count) return { ok: true, message: undefined };
    this.#partial = undefined;
    const message = new Uint8Array(current.size);
    let offset = 0;
    for (const part of current.parts) {
      message.set(part, offset);
      offset += part.length;
    }
    return { ok: true, message };
  }
}
