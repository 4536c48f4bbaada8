import { BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { BODY_FIELD_NUMBER, type RelayFrame } from './frame.ts';

/**
 * Encodes a frame exactly as protobuf (proto3) would: zero-valued scalars are
 * omitted, the chosen oneof body is always written, even when empty.
 * The output is byte-identical to protobuf-es `toBinary` of the generated
 * schema (checked by test/proto/codec.test.ts).
 */
export function encodeFrame(frame: RelayFrame): Uint8Array {
  const w = new BinaryWriter();
  if (frame.version !== 0) w.tag(1, WireType.Varint).uint32(frame.version);
  if (frame.streamId !== '') w.tag(2, WireType.LengthDelimited).string(frame.streamId);
  if (frame.ack !== 0) w.tag(3, WireType.Varint).uint32(frame.ack);
  if (frame.ackBits !== 0) w.tag(4, WireType.Varint).uint32(frame.ackBits >>> 0);
  const body = frame.body;
  w.tag(BODY_FIELD_NUMBER[body.case], WireType.LengthDelimited).fork();
  switch (body.case) {
    case 'data': {
      const d = body.value;
      if (d.seq !== 0) w.tag(1, WireType.Varint).uint32(d.seq);
      if (d.segmentIndex !== 0) w.tag(2, WireType.Varint).uint32(d.segmentIndex);
      if (d.segmentCount !== 0) w.tag(3, WireType.Varint).uint32(d.segmentCount);
      if (d.payload.length !== 0) w.tag(4, WireType.LengthDelimited).bytes(d.payload);
      break;
    }
    case 'resume':
      if (body.value.nextSeq !== 0) w.tag(1, WireType.Varint).uint32(body.value.nextSeq);
      break;
    case 'reset':
      if (body.value.reason !== '') w.tag(1, WireType.LengthDelimited).string(body.value.reason);
      break;
    case 'ackFrame':
    case 'heartbeat':
      break;
  }
  w.join();
  return w.finish();
}
