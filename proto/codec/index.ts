export { decodeFrame } from './decode.ts';
export { encodeFrame, encodeReset } from './encode.ts';
export { type DecodeResult, FrameError, type FrameErrorCode } from './errors.ts';
export {
  MAX_FRAME_BYTES,
  MAX_FRAME_PAYLOAD_BYTES,
  MAX_RESET_REASON_BYTES,
  MAX_STREAM_ID_BYTES,
  OWNER_FIELD,
  RELAY_FRAME_VERSION,
  type RelayDataBody,
  type RelayFrame,
  type RelayFrameBody,
  type RelayFrameKind,
} from './frame.ts';
export { FRAME_HEADROOM_BYTES, withFrameHeadroom } from './frame-headroom.ts';
export { ownerField, withOwner } from './owner.ts';
export { type FrameHeader, peekHeader } from './peek.ts';
export { validateFrame, validateHeader } from './validate.ts';
