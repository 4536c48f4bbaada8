/**
 * Room reserved in front of a message's bytes for the header of the data
 * frame that will carry it. A data frame is its header followed by its
 * payload (the payload is its last field), so a payload with room before it
 * becomes a frame where it lies instead of being copied into a new one: for
 * bulk output, one copy of every byte less, and one large buffer less for
 * the garbage collector. Each room is used once (a frame is encoded once;
 * its resends reuse its bytes); a payload without room is copied as before.
 */

/** A data frame's header: version, a stream id of up to 128 bytes, ack state, the body's fields and lengths. */
export const FRAME_HEADROOM_BYTES = 192;

/** The free room's end (the payload's offset) in each buffer that has one. */
const rooms = new WeakMap<ArrayBufferLike, number>();

/** `length` bytes, in a buffer of their own, with room for a data frame's header in front of them. */
export function withFrameHeadroom(length: number): Uint8Array {
  const buffer = new ArrayBuffer(FRAME_HEADROOM_BYTES + length);
  rooms.set(buffer, FRAME_HEADROOM_BYTES);
  return new Uint8Array(buffer, FRAME_HEADROOM_BYTES, length);
}

/**
 * The `headerBytes + payload.length` bytes ending with `payload`, when
 * `payload` starts at its buffer's room and the room holds the header; the
 * room is then taken. Null otherwise.
 */
export function takeFrameHeadroom(payload: Uint8Array, headerBytes: number): Uint8Array | null {
  const roomEnd = rooms.get(payload.buffer);
  if (roomEnd === undefined || roomEnd !== payload.byteOffset || headerBytes > roomEnd) return null;
  rooms.delete(payload.buffer);
  return new Uint8Array(payload.buffer, roomEnd - headerBytes, headerBytes + payload.length);
}
