import { FrameError } from './errors.ts';
import {
  MAX_RESET_REASON_BYTES,
  MAX_STREAM_ID_BYTES,
  RELAY_FRAME_VERSION,
  type RelayFrame,
} from './frame.ts';

/**
 * UTF-8 length of a string as TextEncoder would encode it (a lone surrogate
 * becomes U+FFFD, 3 bytes), without allocating: this runs on every frame.
 */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

/** Checks the header rules of DESIGN.md §2 that the rendezvous also needs. */
export function validateHeader(version: number, streamId: string): FrameError | undefined {
  if (version !== RELAY_FRAME_VERSION) {
    return new FrameError('bad_version', `frame version must be 1, got ${version}`);
  }
  if (streamId.length === 0) {
    return new FrameError('empty_stream_id', 'stream_id must not be empty');
  }
  if (streamId.trim() !== streamId) {
    return new FrameError('untrimmed_stream_id', 'stream_id must not have leading or trailing whitespace');
  }
  const bytes = utf8Length(streamId);
  if (bytes > MAX_STREAM_ID_BYTES) {
    return new FrameError(
      'stream_id_too_long',
      `stream_id is ${bytes} bytes, the limit is ${MAX_STREAM_ID_BYTES}`,
    );
  }
  return undefined;
}

/** Checks every rule of DESIGN.md §2; returns the first broken one. */
export function validateFrame(frame: RelayFrame): FrameError | undefined {
  const headerError = validateHeader(frame.version, frame.streamId);
  if (headerError) return headerError;
  const body = frame.body;
  switch (body.case) {
    case 'data': {
      // Any seq is legal here: the legacy relay numbers from 0, and the reliable receiver refuses 0 itself.
      const d = body.value;
      if (d.segmentCount < 1) {
        return new FrameError('segment_count_zero', 'data segment_count must be at least 1');
      }
      if (d.segmentIndex >= d.segmentCount) {
        return new FrameError(
          'segment_index_out_of_range',
          `data segment_index ${d.segmentIndex} is not below segment_count ${d.segmentCount}`,
        );
      }
      if (d.payload.length === 0) return new FrameError('empty_payload', 'data payload must not be empty');
      return undefined;
    }
    case 'reset': {
      const reason = body.value.reason;
      if (reason.length === 0) return new FrameError('empty_reset_reason', 'reset reason must not be empty');
      const bytes = utf8Length(reason);
      if (bytes > MAX_RESET_REASON_BYTES) {
        return new FrameError(
          'reset_reason_too_long',
          `reset reason is ${bytes} bytes, the limit is ${MAX_RESET_REASON_BYTES}`,
        );
      }
      return undefined;
    }
    case 'handshake':
      return body.value.payload.length === 0
        ? new FrameError('empty_handshake_payload', 'handshake payload must not be empty')
        : undefined;
    case 'ackFrame':
    case 'resume':
    case 'heartbeat':
      return undefined;
    default:
      return new FrameError('missing_body', 'frame has no body');
  }
}
