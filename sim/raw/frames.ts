/** Builders for encoded relay frames, for tests that drive relay sockets by hand. */
import { randomBytes } from 'node:crypto';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import { decodeFrame, encodeFrame, OWNER_FIELD, type RelayFrame } from '../../proto/codec/index.ts';

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

export function handshakeFrame(streamId: string, payload: Uint8Array = randomBytes(64)): Uint8Array {
  return encodeFrame({
    version: 1,
    streamId,
    ack: 0,
    ackBits: 0,
    body: { case: 'handshake', value: { payload } },
  });
}

/**
 * A frame as a newer peer might send it: its only body is field 13, unknown to
 * relaykit, followed by a traceparent (11). The rendezvous routes it by its
 * header; endpoints cannot use it. `streamId` must be under 128 bytes.
 */
export function unknownBodyFrame(streamId: string): Uint8Array {
  const id = new TextEncoder().encode(streamId);
  return Uint8Array.of(
    0x08,
    0x01,
    0x12,
    id.length,
    ...id,
    0x6a,
    0x03,
    0x0a,
    0x01,
    0x41,
    0x5a,
    0x02,
    0x30,
    0x30,
  );
}

export { encodeReset as resetFrame } from '../../proto/codec/index.ts';

/**
 * A frame as the rendezvous forwards it to the executor, split into the
 * frame the harness sent and the owner field appended to it (proto/codec
 * owner.ts); `owner` is undefined when the last field is not one.
 */
export function splitOwner(bytes: Uint8Array): { frame: Uint8Array; owner: string | undefined } {
  const reader = new BinaryReader(bytes);
  let last = 0;
  let lastField = 0;
  while (reader.pos < reader.len) {
    last = reader.pos;
    const [field, wireType] = reader.tag();
    lastField = field;
    reader.skip(wireType, field);
  }
  if (lastField !== OWNER_FIELD) return { frame: bytes, owner: undefined };
  const owner = new BinaryReader(bytes.subarray(last));
  owner.tag();
  return { frame: bytes.subarray(0, last), owner: owner.string() };
}

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
