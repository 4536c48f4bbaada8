import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import { type DecodeResult, FrameError, fail } from './errors.ts';
import { BODY_KIND_BY_FIELD, type RelayDataBody, type RelayFrame, type RelayFrameBody } from './frame.ts';
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

function unknownField(message: string, fieldNo: number): never {
  throw new WireError('unknown_field', `${message} has unknown field ${fieldNo}`);
}

function parseBody(kind: RelayFrameBody['case'], bytes: Uint8Array): RelayFrameBody {
  const r = new BinaryReader(bytes, decodeUtf8);
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
            unknownField('RelayData', no);
        }
      }
      return { case: 'data', value };
    }
    case 'resume': {
      const value = { nextSeq: 0 };
      while (r.pos < r.len) {
        const [no, wt] = r.tag();
        if (no !== 1) unknownField('RelayResume', no);
        expectWireType('resume.next_seq', wt, WireType.Varint);
        value.nextSeq = r.uint32();
      }
      return { case: 'resume', value };
    }
    case 'reset': {
      const value = { reason: '' };
      while (r.pos < r.len) {
        const [no, wt] = r.tag();
        if (no !== 1) unknownField('RelayReset', no);
        expectWireType('reset.reason', wt, WireType.LengthDelimited);
        value.reason = r.string();
      }
      return { case: 'reset', value };
    }
    case 'ackFrame':
    case 'heartbeat': {
      if (r.len > 0) {
        const [no] = r.tag();
        unknownField(kind === 'ackFrame' ? 'RelayAck' : 'RelayHeartbeat', no);
      }
      return { case: kind, value: {} };
    }
  }
}

function parseFrame(bytes: Uint8Array): RelayFrame & { body: RelayFrameBody | undefined } {
  const r = new BinaryReader(bytes, decodeUtf8);
  let version = 0;
  let streamId = '';
  let ack = 0;
  let ackBits = 0;
  let body: RelayFrameBody | undefined;
  while (r.pos < r.len) {
    const [no, wt] = r.tag();
    switch (no) {
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
        const kind = BODY_KIND_BY_FIELD[no];
        if (kind === undefined) unknownField('RelayMessageFrame', no);
        expectWireType(kind, wt, WireType.LengthDelimited);
        // A later oneof member replaces an earlier one, as in protobuf.
        body = parseBody(kind, r.bytes());
      }
    }
  }
  return { version, streamId, ack, ackBits, body: body as RelayFrameBody };
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
  if (/wire type/i.test(message)) return new FrameError('bad_wire_type', message);
  return new FrameError('truncated', `frame cannot be parsed: ${message}`);
}

/**
 * Decodes and validates one relay frame. Never throws: every malformed or
 * invalid input comes back as a FrameError with a specific code.
 * The data payload is a view into `bytes`, not a copy.
 */
export function decodeFrame(bytes: Uint8Array): DecodeResult<RelayFrame> {
  let frame: RelayFrame;
  try {
    frame = parseFrame(bytes);
  } catch (err) {
    return { ok: false, error: toWireError(err) };
  }
  if (frame.body === undefined) return fail('missing_body', 'frame has no body');
  const invalid = validateFrame(frame);
  if (invalid) return { ok: false, error: invalid };
  return { ok: true, value: frame };
}
