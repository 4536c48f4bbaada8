import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FRAME_HEADROOM_BYTES,
  MAX_STREAM_ID_BYTES,
  RELAY_FRAME_VERSION,
  type RelayFrame,
  withFrameHeadroom,
} from '../../proto/codec/index.ts';

function dataFrame(streamId: string, seq: number, ack: number, payload: Uint8Array): RelayFrame {
  return {
    version: RELAY_FRAME_VERSION,
    streamId,
    ack,
    ackBits: 0xfffffffe,
    body: { case: 'data', value: { seq, segmentIndex: 0, segmentCount: 1, payload } },
  };
}

/** A payload with room for a frame header in front, holding `content`. */
function roomy(content: Uint8Array): Uint8Array {
  const payload = withFrameHeadroom(content.length);
  payload.set(content);
  return payload;
}

describe('a data frame made around a payload with room in front', () => {
  it('is the same bytes as the frame made by copying, and takes no copy of the payload', () => {
    fc.assert(
      fc.property(
        fc
          .string({ minLength: 1, maxLength: MAX_STREAM_ID_BYTES })
          .filter((id) => Buffer.byteLength(id) <= MAX_STREAM_ID_BYTES),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.uint8Array({ minLength: 1, maxLength: 4096 }),
        (streamId, seq, ack, content) => {
          const payload = roomy(content);
          const expected = encodeFrame(dataFrame(streamId, seq, ack, Uint8Array.from(content)));
          const frame = encodeFrame(dataFrame(streamId, seq, ack, payload));
          expect(Buffer.from(frame).equals(Buffer.from(expected))).toBe(true);
          expect(frame.buffer).toBe(payload.buffer);
          expect(frame.byteOffset + frame.length).toBe(payload.byteOffset + payload.length);
        },
      ),
    );
  });

  it('uses its room once: a second frame of the same payload is a copy and leaves the first intact', () => {
    const payload = roomy(Buffer.from('output'));
    const first = encodeFrame(dataFrame('stream-1', 1, 0, payload));
    const before = Buffer.from(first);
    const second = encodeFrame(dataFrame('stream-1', 7, 3, payload));
    expect(second.buffer).not.toBe(payload.buffer);
    expect(Buffer.from(first).equals(before)).toBe(true);
  });

  it('is copied when the payload does not start at its room (a later segment)', () => {
    const message = roomy(Buffer.from('first segment|second segment'));
    const later = message.subarray(14);
    const frame = encodeFrame(dataFrame('stream-1', 2, 0, later));
    expect(frame.buffer).not.toBe(message.buffer);
    expect(Buffer.from(frame).subarray(-later.length).toString()).toBe('second segment');
  });

  it('leaves room for the largest header a data frame can have', () => {
    const payload = roomy(Buffer.alloc(70_000, 1));
    const frame = encodeFrame(dataFrame('x'.repeat(MAX_STREAM_ID_BYTES), 0xffffffff, 0xffffffff, payload));
    expect(frame.buffer).toBe(payload.buffer);
    expect(frame.length - payload.length).toBeLessThanOrEqual(FRAME_HEADROOM_BYTES);
  });
});
