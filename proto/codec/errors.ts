/**
 * Every way a relay frame can be rejected, each with its own machine code.
 * Codes are stable: they appear in reset reasons (`protocol_error:<code>`)
 * and in the rendezvous's drop counters.
 */
export type FrameErrorCode =
  // wire level
  | 'truncated'
  | 'bad_varint'
  | 'bad_wire_type'
  | 'bad_utf8'
  // contract level (DESIGN.md §2)
  | 'bad_version'
  | 'empty_stream_id'
  | 'untrimmed_stream_id'
  | 'stream_id_too_long'
  | 'missing_body'
  /** Only field numbers this codec does not know where a body should be: routable, not usable. */
  | 'unknown_body'
  | 'segment_count_zero'
  | 'segment_index_out_of_range'
  | 'empty_payload'
  | 'empty_handshake_payload'
  | 'empty_reset_reason'
  | 'reset_reason_too_long';

export class FrameError extends Error {
  readonly code: FrameErrorCode;

  constructor(code: FrameErrorCode, message: string) {
    super(message);
    this.name = 'FrameError';
    this.code = code;
  }
}

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: FrameError };

export function fail<T>(code: FrameErrorCode, message: string): DecodeResult<T> {
  return { ok: false, error: new FrameError(code, message) };
}
