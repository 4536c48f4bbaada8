/** Builders for encoded relay frames, for tests that drive relay sockets by hand. */
import { randomBytes } from 'node:crypto';
import { decodeFrame, encodeFrame, type RelayFrame } from '../../proto/codec/index.ts';

export function dataFrame(streamId: string, seq: number, payload: Uint8Array = randomBytes(16)): Uint8Array {
  return encodeFrame({
    version: 1,
    streamId,
    ack: 0,
    ackBits: 0,
    body: { case: 'data', value: { seq, segmentIndex: 0, segmentCount: 1, payload } },
  });
}

export function resumeFrame(streamId: string, nextSeq = 1): Uint8Array {
  return encodeFrame({
    version: 1,
    streamId,
    ack: 0,
    ackBits: 0,
    body: { case: 'resume', value: { nextSeq } },
  });
}

export { encodeReset as resetFrame } from '../../proto/codec/index.ts';

/** Decodes a frame a test received, failing loudly when it is not a valid frame. */
export function decoded(bytes: Uint8Array): RelayFrame {
  const result = decodeFrame(bytes);
  if (!result.ok) throw result.error;
  return result.value;
}

/** The reset reason of a frame, or undefined when it is not a reset. */
export function resetReason(bytes: Uint8Array): string | undefined {
  const frame = decoded(bytes);
  return frame.body.case === 'reset' ? frame.body.value.reason : undefined;
}

/** A data frame on `streamId` whose encoding is exactly `size` bytes. */
export function frameOfSize(streamId: string, size: number): Uint8Array {
  let payloadBytes = size;
  for (;;) {
    const frame = dataFrame(streamId, 1, new Uint8Array(payloadBytes).fill(7));
    if (frame.length === size) return frame;
    payloadBytes += size - frame.length;
  }
}
