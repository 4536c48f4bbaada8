import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { type DecodeResult, FrameError, fail } from './errors.ts';
import {
  BODY_KIND_BY_FIELD,
  OWNER_FIELD,
  type RelayDataBody,
  type RelayFrame,
  type RelayFrameBody,
  type RelayFrameKind,
  SKIPPED_HEADER_FIELDS,
} from './frame.ts';
import { validateFrame } from './validate.ts';

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const decodeUtf8 = (bytes: Uint8Array) => strictUtf8.decode(bytes);

/** Thrown inside the parser only; decodeFrame turns it into a result. */
class WireError extends FrameError {}

function expectWireType(field: string, actual: WireType, expected: WireType): void {
  if (actual !== expected) {
    throw new WireError('bad_wire_type', `field ${field} has wire type ${actual}, expected ${expected}`);
  }
}

/** The value of field 1, the only field of a one-field body (`fallback` when absent); other fields are skipped. */
function readField1<T>(r: BinaryReader, field: string, wireType: WireType, read: () => T, fallback: T): T {
  let value = fallback;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    if (no !== 1) {
      r.skip(wt, no);
      continue;
    }
    expectWireType(field, wt, wireType);
    value = read();
  }
  return value;
}

function parseBody(kind: RelayFrameKind, bytes: Uint8Array): RelayFrameBody {
  const r = new BinaryReader(bytes, decodeUtf8);
  // Field numbers a body does not know are skipped, as proto3 does: a newer peer may send them.
  switch (kind) {
    case 'data': {
      const value: RelayDataBody = { seq: 0, segmentIndex: 0, segmentCount: 0, payload: new Uint8Array(0) };
      while (r.pos < r.len) {
        const [no, wt] = r.tag();
        switch (no) {
          case 1:
            expectWireType('data.seq', wt, WireType.Varint);
            value.seq = r.uint32();
            break;
          case 2:
            expectWireType('data.segment_index', wt, WireType.Varint);
            value.segmentIndex = r.uint32();
            break;
          case 3:
            expectWireType('data.segment_count', wt, WireType.Varint);
            value.segmentCount = r.uint32();
            break;
          case 4:
            expectWireType('data.payload', wt, WireType.LengthDelimited);
            value.payload = r.bytes();
            break;
          default:
            r.skip(wt, no);
        }
      }
      return { case: 'data', value };
    }
    case 'resume':
      return {
        case: 'resume',
        value: { nextSeq: readField1(r, 'resume.next_seq', WireType.Varint, () => r.uint32(), 0) },
      };
    case 'reset':
      return {
        case: 'reset',
        value: { reason: readField1(r, 'reset.reason', WireType.LengthDelimited, () => r.string(), '') },
      };
    case 'handshake': {
      const payload = readField1(
        r,
        'handshake.payload',
        WireType.LengthDelimited,
        () => r.bytes(),
        new Uint8Array(0),
      );
      return { case: 'handshake', value: { payload } };
    }
    case 'ackFrame':
    case 'heartbeat': {
      while (r.pos < r.len) {
        const [no, wt] = r.tag();
        r.skip(wt, no);
      }
      return { case: kind, value: {} };
    }
  }
}

interface ParsedFrame extends Omit<RelayFrame, 'body'> {
  body: RelayFrameBody | undefined;
  /** A field number this codec does not know was skipped (perhaps a newer peer's body). */
  skippedUnknown: boolean;
}

function parseFrame(bytes: Uint8Array): ParsedFrame {
  const r = new BinaryReader(bytes, decodeUtf8);
  let version = 0;
  let streamId = '';
  let ack = 0;
  let ackBits = 0;
  let body: RelayFrameBody | undefined;
  let owner: string | undefined;
  let skippedUnknown = false;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    switch (no) {
      case OWNER_FIELD:
        // The last one wins, as in protobuf: the rendezvous appends its own after the sender's.
        expectWireType('owner', wt, WireType.LengthDelimited);
        owner = r.string();
        break;
      case 1:
        expectWireType('version', wt, WireType.Varint);
        version = r.uint32();
        break;
      case 2:
        expectWireType('stream_id', wt, WireType.LengthDelimited);
        streamId = r.string();
        break;
      case 3:
        expectWireType('ack', wt, WireType.Varint);
        ack = r.uint32();
        break;
      case 4:
        expectWireType('ack_bits', wt, WireType.Varint);
        ackBits = r.uint32();
        break;
      default: {
        if (SKIPPED_HEADER_FIELDS.has(no)) {
          expectWireType(`field ${no}`, wt, WireType.LengthDelimited);
          r.skip(wt, no);
          break;
        }
        const kind = BODY_KIND_BY_FIELD[no];
        if (kind === undefined) {
          skippedUnknown = true;
          r.skip(wt, no);
          break;
        }
        expectWireType(kind, wt, WireType.LengthDelimited);
        // A later oneof member replaces an earlier one, as in protobuf.
        body = parseBody(kind, r.bytes());
      }
    }
  }
  return { version, streamId, ack, ackBits, body, skippedUnknown, ...(owner !== undefined && { owner }) };
}

function toWireError(err: unknown): FrameError {
  if (err instanceof FrameError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof TypeError && /encoded data was not valid|invalid/i.test(message)) {
    return new FrameError('bad_utf8', 'string field is not valid UTF-8');
  }
  if (/premature EOF|out of range/i.test(message)) {
    return new FrameError('truncated', `frame is truncated: ${message}`);
  }
  if (/varint/i.test(message)) return new FrameError('bad_varint', `bad varint: ${message}`);
  if (/wire type|group/i.test(message)) return new FrameError('bad_wire_type', message);
  return new FrameError('truncated', `frame cannot be parsed: ${message}`);
}

/**
 * Decodes and validates one relay frame. Never throws: every malformed or
 * invalid input comes back as a FrameError with a specific code.
 * The data payload is a view into `bytes`, not a copy.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult<RelayFrame> {
  let parsed: ParsedFrame;
  try {
    parsed = parseFrame(bytes);
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
  const { body, skippedUnknown, ...header } = parsed;
  if (body === undefined) {
    return skippedUnknown
      ? fail('unknown_body', 'frame has no body this codec knows, only unknown fields')
      : fail('missing_body', 'frame has no body');
  }
  const frame: RelayFrame = { ...header, body };
  const invalid = validateFrame(frame);
  if (invalid) return { ok: false, error: invalid };
  return { ok: true, value: frame };
}
