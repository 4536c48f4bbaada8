import { BODY_FIELD_NUMBER, RELAY_FRAME_VERSION, type RelayFrame } from './frame.ts';
import { takeFrameHeadroom } from './frame-headroom.ts';

const utf8 = new TextEncoder();

/** UTF-8 of recently used stream ids: every frame of a stream carries the same id. */
const streamIdBytes = new Map<string, Uint8Array>();
const STREAM_ID_CACHE_LIMIT = 4096;

function utf8Of(streamId: string): Uint8Array {
  let bytes = streamIdBytes.get(streamId);
  if (bytes === undefined) {
    if (streamIdBytes.size >= STREAM_ID_CACHE_LIMIT) streamIdBytes.clear();
    bytes = utf8.encode(streamId);
    streamIdBytes.set(streamId, bytes);
  }
  return bytes;
}

/** Same check and message as protobuf-es's BinaryWriter.uint32. */
function checkUint32(value: number): number {
  if (typeof value !== 'number' || value >>> 0 !== value) throw new Error(`invalid uint32: ${value}`);
  return value;
}

function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** A field of wire type varint (tag + value); 0 bytes when the value is zero (proto3 omits it). */
function varintFieldSize(value: number): number {
  return value === 0 ? 0 : 1 + varintSize(value);
}

/** A length-delimited field (tag + length + bytes). */
function bytesFieldSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/**
 * Encodes a frame exactly as protobuf (proto3) would: zero-valued scalars are
 * omitted, the chosen oneof body is always written, even when empty.
 * The output is byte-identical to protobuf-es `toBinary` of the generated
 * schema (checked by test/proto/codec.test.ts). Written by hand into one
 * buffer of the exact size (or around a data payload that has room for
 * it): this runs once per frame on every hot path.
 */
export function encodeFrame(frame: RelayFrame): Uint8Array {
  const version = checkUint32(frame.version);
  const ack = checkUint32(frame.ack);
  const ackBits = frame.ackBits >>> 0;
  const id = frame.streamId === '' ? undefined : utf8Of(frame.streamId);
  const body = frame.body;

  // Body fields first: the body's length prefixes it.
  let bodyLen = 0;
  let a = 0;
  let b = 0;
  let c = 0;
  let blob: Uint8Array | undefined;
  switch (body.case) {
    case 'data': {
      const d = body.value;
      a = checkUint32(d.seq);
      b = checkUint32(d.segmentIndex);
      c = checkUint32(d.segmentCount);
      bodyLen = varintFieldSize(a) + varintFieldSize(b) + varintFieldSize(c);
      if (d.payload.length !== 0) {
        blob = d.payload;
        bodyLen += bytesFieldSize(blob.length);
      }
      break;
    }
    case 'resume':
      a = checkUint32(body.value.nextSeq);
      bodyLen = varintFieldSize(a);
      break;
    case 'reset':
      if (body.value.reason !== '') {
        blob = utf8.encode(body.value.reason);
        bodyLen = bytesFieldSize(blob.length);
      }
      break;
    case 'handshake':
      if (body.value.payload.length !== 0) {
        blob = body.value.payload;
        bodyLen = bytesFieldSize(blob.length);
      }
      break;
    case 'ackFrame':
    case 'heartbeat':
      break;
  }

  const size =
    varintFieldSize(version) +
    (id === undefined ? 0 : bytesFieldSize(id.length)) +
    varintFieldSize(ack) +
    varintFieldSize(ackBits) +
    1 +
    varintSize(bodyLen) +
    bodyLen;
  // A data payload made with room in front (frame-headroom.ts) becomes the frame where it lies.
  const inPlace =
    body.case === 'data' && blob !== undefined ? takeFrameHeadroom(blob, size - blob.length) : null;
  const out = inPlace ?? new Uint8Array(size);
  let pos = 0;
  const varint = (value: number) => {
    while (value > 0x7f) {
      out[pos++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    out[pos++] = value;
  };
  /** Writes a varint field, or nothing when the value is zero. */
  const varintField = (tag: number, value: number) => {
    if (value === 0) return;
    out[pos++] = tag;
    varint(value);
  };
  const bytesField = (tag: number, bytes: Uint8Array) => {
    out[pos++] = tag;
    varint(bytes.length);
    if (inPlace === null || bytes !== blob) out.set(bytes, pos);
    pos += bytes.length;
  };

  // Tags are (field << 3) | wire type; every field number here is below 16, so each tag is one byte.
  varintField(0x08, version);
  if (id !== undefined) bytesField(0x12, id);
  varintField(0x18, ack);
  varintField(0x20, ackBits);
  out[pos++] = (BODY_FIELD_NUMBER[body.case] << 3) | 2;
  varint(bodyLen);
  if (body.case === 'data') {
    varintField(0x08, a);
    varintField(0x10, b);
    varintField(0x18, c);
    if (blob !== undefined) bytesField(0x22, blob);
  } else if (body.case === 'resume') {
    varintField(0x08, a);
  } else if (blob !== undefined) {
    // reset.reason and handshake.payload are both field 1, length-delimited.
    bytesField(0x0a, blob);
  }
  return out;
}

/**
 * A reset frame for `streamId`: terminal for that one stream, its header
 * carries no ack state (DESIGN.md §3).
 */
export function encodeReset(streamId: string, reason: string): Uint8Array {
  return encodeFrame({
    version: RELAY_FRAME_VERSION,
    streamId,
    ack: 0,
    ackBits: 0,
    body: { case: 'reset', value: { reason } },
  });
}
