import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, peekHeader, type RelayFrame } from '../../proto/codec/index.ts';
import { RelayMessageFrameSchema } from '../../proto/gen/codex/exec_server/relay/v1/relay_pb.ts';
import {
  framesWithSkippedFields,
  goldenFrames,
  malformedFrames,
  unknownBodyFrame,
} from '../fixtures/frames.ts';
import { fromHex, toHex } from '../fixtures/hex.ts';

const uint32 = fc.integer({ min: 0, max: 0xffffffff });
const streamId = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() === s && s.length > 0);
const frameArb: fc.Arbitrary<RelayFrame> = fc.record({
  version: fc.constant(1),
  streamId,
  ack: uint32,
  ackBits: uint32.map((b) => (b & ~1) >>> 0),
  body: fc.oneof(
    fc.record({
      case: fc.constant('data' as const),
      value: fc
        .record({
          seq: fc.integer({ min: 0, max: 0xfffffffe }),
          count: fc.integer({ min: 1, max: 1000 }),
          payload: fc.uint8Array({ minLength: 1, maxLength: 300 }),
        })
        .chain(({ seq, count, payload }) =>
          fc
            .integer({ min: 0, max: count - 1 })
            .map((segmentIndex) => ({ seq, segmentIndex, segmentCount: count, payload })),
        ),
    }),
    fc.constant({ case: 'ackFrame' as const, value: {} }),
    fc.record({ case: fc.constant('resume' as const), value: fc.record({ nextSeq: uint32 }) }),
    fc.record({
      case: fc.constant('reset' as const),
      value: fc.record({ reason: fc.string({ minLength: 1, maxLength: 60 }) }),
    }),
    fc.constant({ case: 'heartbeat' as const, value: {} }),
    fc.record({
      case: fc.constant('handshake' as const),
      value: fc.record({ payload: fc.uint8Array({ minLength: 1, maxLength: 300 }) }),
    }),
  ),
});

/** The generated protobuf-es schema is the reference the hand codec must match. */
function referenceEncode(frame: RelayFrame): Uint8Array {
  return toBinary(RelayMessageFrameSchema, create(RelayMessageFrameSchema, frame));
}

describe('relay frame codec', () => {
  describe('golden bytes', () => {
    for (const golden of goldenFrames) {
      it(`encodes ${golden.name} to the upstream bytes`, () => {
        expect(toHex(encodeFrame(golden.frame))).toBe(golden.hex);
        expect(toHex(referenceEncode(golden.frame))).toBe(golden.hex);
      });

      it(`decodes ${golden.name} back to the same frame`, () => {
        const result = decodeFrame(fromHex(golden.hex));
        expect(result.ok && result.value).toEqual(golden.frame);
      });
    }
  });

  describe('malformed input', () => {
    for (const bad of malformedFrames) {
      it(`refuses ${bad.name} with ${bad.code}`, () => {
        const result = decodeFrame(fromHex(bad.hex));
        expect(result.ok).toBe(false);
        if (!result.ok) {
          expect(result.error.code).toBe(bad.code);
          expect(result.error.message.length).toBeGreaterThan(0);
        }
      });
    }

    it('refuses a stream_id over 128 bytes and a reset reason over 256 bytes', () => {
      const longId: RelayFrame = {
        version: 1,
        streamId: 'x'.repeat(129),
        ack: 0,
        ackBits: 0,
        body: { case: 'heartbeat', value: {} },
      };
      const longReason: RelayFrame = {
        version: 1,
        streamId: 's',
        ack: 0,
        ackBits: 0,
        body: { case: 'reset', value: { reason: 'r'.repeat(257) } },
      };
      const a = decodeFrame(encodeFrame(longId));
      const b = decodeFrame(encodeFrame(longReason));
      expect(!a.ok && a.error.code).toBe('stream_id_too_long');
      expect(!b.ok && b.error.code).toBe('reset_reason_too_long');
      const exactly128 = decodeFrame(encodeFrame({ ...longId, streamId: 'x'.repeat(128) }));
      expect(exactly128.ok).toBe(true);
    });

    it('never throws on random bytes, only returns results', () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
          const decoded = decodeFrame(bytes);
          const peeked = peekHeader(bytes);
          expect(typeof decoded.ok).toBe('boolean');
          expect(typeof peeked.ok).toBe('boolean');
        }),
        { numRuns: 2000 },
      );
    });

    it('never throws on bit flips and truncations of valid frames', () => {
      fc.assert(
        fc.property(frameArb, fc.nat(), fc.integer({ min: 0, max: 7 }), (frame, at, bit) => {
          const bytes = encodeFrame(frame);
          const flipped = bytes.slice();
          const i = at % flipped.length;
          flipped[i] = (flipped[i] as number) ^ (1 << bit);
          for (const input of [flipped, bytes.subarray(0, i)]) {
            const decoded = decodeFrame(input);
            if (decoded.ok) expect(decoded.value.version).toBe(1);
            else expect(decoded.error.code).toMatch(/^[a-z_0-9]+$/);
          }
        }),
        { numRuns: 1000 },
      );
    });
  });

  describe('fields relaykit does not know', () => {
    for (const skipped of framesWithSkippedFields) {
      it(`skips ${skipped.name}, as proto3 does`, () => {
        const bytes = fromHex(skipped.hex);
        const decoded = decodeFrame(bytes);
        expect(decoded.ok && decoded.value).toEqual(skipped.frame);
        const peeked = peekHeader(bytes);
        expect(peeked.ok && peeked.value.kind).toBe(skipped.frame.body.case);
      });
    }

    it('decodes trace context written by protobuf-es like the same frame without it', () => {
      const frame: RelayFrame = {
        version: 1,
        streamId: 's-1',
        ack: 3,
        ackBits: 0,
        body: { case: 'ackFrame', value: {} },
      };
      const traced = toBinary(
        RelayMessageFrameSchema,
        create(RelayMessageFrameSchema, { ...frame, traceparent: '00-abc-def-01', tracestate: 'k=v' }),
      );
      expect(traced.length).toBeGreaterThan(encodeFrame(frame).length);
      const decoded = decodeFrame(traced);
      expect(decoded.ok && decoded.value).toEqual(frame);
    });

    it('refuses a frame whose only body it does not know, but reads its header for routing', () => {
      const bytes = fromHex(unknownBodyFrame.hex);
      const decoded = decodeFrame(bytes);
      expect(!decoded.ok && decoded.error.code).toBe('unknown_body');
      expect(peekHeader(bytes)).toEqual({
        ok: true,
        value: { version: 1, streamId: unknownBodyFrame.streamId, kind: 'unknown' },
      });
    });
  });

  describe('round trips', () => {
    it('matches protobuf-es byte for byte and decodes what it encodes', () => {
      fc.assert(
        fc.property(frameArb, (frame) => {
          const bytes = encodeFrame(frame);
          expect(bytes).toEqual(referenceEncode(frame));
          const decoded = decodeFrame(bytes);
          expect(decoded.ok && decoded.value).toEqual(frame);
          const reference = fromBinary(RelayMessageFrameSchema, bytes);
          expect(reference.streamId).toBe(frame.streamId);
          expect(reference.body.case).toBe(frame.body.case);
        }),
        { numRuns: 500 },
      );
    });

    it('returns the data payload as a view into the input, not a copy', () => {
      const bytes = fromHex(goldenFrames[1]?.hex ?? '');
      const decoded = decodeFrame(bytes);
      if (!decoded.ok || decoded.value.body.case !== 'data') throw new Error('expected a data frame');
      expect(decoded.value.body.value.payload.buffer).toBe(bytes.buffer);
    });
  });

  describe('header peek', () => {
    it('reads version, stream_id and body kind of every golden frame', () => {
      for (const golden of goldenFrames) {
        const peeked = peekHeader(fromHex(golden.hex));
        expect(peeked.ok && peeked.value).toEqual({
          version: 1,
          streamId: golden.frame.streamId,
          kind: golden.frame.body.case,
        });
      }
    });

    it('agrees with the full decoder on every random valid frame', () => {
      fc.assert(
        fc.property(frameArb, (frame) => {
          const peeked = peekHeader(encodeFrame(frame));
          expect(peeked.ok && peeked.value).toEqual({
            version: 1,
            streamId: frame.streamId,
            kind: frame.body.case,
          });
        }),
        { numRuns: 500 },
      );
    });

    it('refuses every malformed header the full decoder refuses at the header level', () => {
      const headerCodes = new Set([
        'truncated',
        'bad_wire_type',
        'bad_version',
        'empty_stream_id',
        'untrimmed_stream_id',
        'bad_utf8',
        'missing_body',
      ]);
      for (const bad of malformedFrames) {
        if (!headerCodes.has(bad.code) || bad.name.includes('data.seq')) continue;
        const peeked = peekHeader(fromHex(bad.hex));
        expect(peeked.ok, bad.name).toBe(false);
      }
    });

    it('skips a 60 KiB payload without reading it', () => {
      const payload = new Uint8Array(60 * 1024).fill(7);
      const frame: RelayFrame = {
        version: 1,
        streamId: 'big',
        ack: 1,
        ackBits: 0,
        body: { case: 'data', value: { seq: 2, segmentIndex: 0, segmentCount: 1, payload } },
      };
      const peeked = peekHeader(encodeFrame(frame));
      expect(peeked.ok && peeked.value.kind).toBe('data');
    });
  });
});
