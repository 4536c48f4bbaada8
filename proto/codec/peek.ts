import { type DecodeResult, fail } from './errors.ts';
import { BODY_KIND_BY_FIELD, OWNER_FIELD, type RelayFrameKind, SKIPPED_HEADER_FIELDS } from './frame.ts';
import { validateHeader } from './validate.ts';

/**
 * What the rendezvous needs to route a frame, read without decoding the body.
 * `unknown`: the frame carries no body this codec knows, only field numbers it
 * does not (a newer peer's); it is routed all the same.
 */
export interface FrameHeader {
  version: number;
  streamId: string;
  kind: RelayFrameKind | 'unknown';
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Groups nest at most this deep, as in protobuf-es. */
const MAX_GROUP_DEPTH = 100;

/**
 * Reads `version`, `stream_id` and the body kind of an encoded frame, skipping
 * the body (and its payload) by length. This is the rendezvous hot path: it
 * allocates only the stream id string and never throws.
 */
export function peekHeader(bytes: Uint8Array): DecodeResult<FrameHeader> {
  let pos = 0;
  const end = bytes.length;
  let version = 0;
  let streamId = '';
  let kind: RelayFrameKind | undefined;
  let skippedUnknown = false;

  // Reads a varint of at most 32 significant bits; -1 when truncated, -2 when too long.
  const readVarint32 = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= end) return -1;
      const b = bytes[pos++] as number;
      if (shift === 28 && (b & 0x70) !== 0) {
        // Bits beyond 32: tolerated by protobuf for uint32 only if the value
        // was a sign-extended or over-long encoding; we refuse them here.
        return -2;
      }
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
    }
    return -2;
  };

  /** Skips the value of an unknown field; returns an error, or undefined once past it. */
  const skipValue = (fieldNo: number, wireType: number, depth: number): DecodeResult<never> | undefined => {
    switch (wireType) {
      case 0:
        for (let i = 0; i < 10; i++) {
          if (pos >= end) return fail('truncated', `frame is truncated inside field ${fieldNo}`);
          if (((bytes[pos++] as number) & 0x80) === 0) return undefined;
        }
        return fail('bad_varint', `field ${fieldNo} varint is longer than 64 bits`);
      case 1:
      case 5: {
        const size = wireType === 1 ? 8 : 4;
        if (size > end - pos) return fail('truncated', `frame is truncated inside field ${fieldNo}`);
        pos += size;
        return undefined;
      }
      case 2: {
        const len = readVarint32();
        if (len < 0 || len > end - pos)
          return fail('truncated', `field ${fieldNo} is longer than what remains of the frame`);
        pos += len;
        return undefined;
      }
      case 3: {
        if (depth >= MAX_GROUP_DEPTH) return fail('bad_wire_type', 'groups nest too deep');
        for (;;) {
          const tag = readVarint32();
          if (tag < 0) return fail('truncated', `frame is truncated inside group ${fieldNo}`);
          if ((tag & 7) === 4) {
            return tag >>> 3 === fieldNo ? undefined : fail('bad_wire_type', 'invalid end group tag');
          }
          const skipped = skipValue(tag >>> 3, tag & 7, depth + 1);
          if (skipped !== undefined) return skipped;
        }
      }
      default:
        return fail('bad_wire_type', `field ${fieldNo} has wire type ${wireType}, which cannot be skipped`);
    }
  };

  while (pos < end) {
    const tag = readVarint32();
    if (tag === -1) return fail('truncated', 'frame is truncated inside a tag');
    if (tag === -2) return fail('bad_varint', 'tag varint is longer than 32 bits');
    const fieldNo = tag >>> 3;
    const wireType = tag & 7;
    if (fieldNo === 0) return fail('bad_wire_type', 'field number 0 is not a field');
    if (fieldNo === 1 || fieldNo === 3 || fieldNo === 4) {
      if (wireType !== 0)
        return fail('bad_wire_type', `field ${fieldNo} has wire type ${wireType}, expected 0`);
      const v = readVarint32();
      if (v === -1) return fail('truncated', `frame is truncated inside field ${fieldNo}`);
      if (v === -2) return fail('bad_varint', `field ${fieldNo} varint is longer than 32 bits`);
      if (fieldNo === 1) version = v;
      continue;
    }
    const field = fieldNo === 2 ? 'stream_id' : BODY_KIND_BY_FIELD[fieldNo];
    if (field === undefined && !SKIPPED_HEADER_FIELDS.has(fieldNo) && fieldNo !== OWNER_FIELD) {
      skippedUnknown = true;
      const skipped = skipValue(fieldNo, wireType, 0);
      if (skipped !== undefined) return skipped;
      continue;
    }
    if (wireType !== 2)
      return fail('bad_wire_type', `field ${fieldNo} has wire type ${wireType}, expected 2`);
    const len = readVarint32();
    if (len === -1) return fail('truncated', `frame is truncated inside the length of field ${fieldNo}`);
    if (len === -2) return fail('bad_varint', `length of field ${fieldNo} is longer than 32 bits`);
    if (len > end - pos)
      return fail('truncated', `field ${fieldNo} claims ${len} bytes, ${end - pos} remain`);
    if (fieldNo === 2) {
      try {
        streamId = strictUtf8.decode(bytes.subarray(pos, pos + len));
      } catch {
        return fail('bad_utf8', 'stream_id is not valid UTF-8');
      }
    } else if (field !== undefined) {
      kind = field as RelayFrameKind;
    }
    pos += len;
  }
  if (kind === undefined && !skippedUnknown) return fail('missing_body', 'frame has no body');
  const invalid = validateHeader(version, streamId);
  if (invalid) return { ok: false, error: invalid };
  return { ok: true, value: { version, streamId, kind: kind ?? 'unknown' } };
}
