import { resolveStreamConfig, type StreamConfig } from '../../endpoint/core/config.ts';
import { ReliableStream } from '../../endpoint/core/reliable-stream.ts';
import { decodeFrame, type RelayFrame, type RelayFrameBody } from '../../proto/codec/index.ts';

export function frameOf(streamId: string, body: RelayFrameBody, ack = 0, ackBits = 0): RelayFrame {
  return { version: 1, streamId, ack, ackBits, body };
}

export function data(
  streamId: string,
  seq: number,
  payload: Uint8Array,
  ack = 0,
  ackBits = 0,
  segmentIndex = 0,
  segmentCount = 1,
): RelayFrame {
  return frameOf(
    streamId,
    { case: 'data', value: { seq, segmentIndex, segmentCount, payload } },
    ack,
    ackBits,
  );
}

export function ackFrame(streamId: string, ack: number, ackBits = 0): RelayFrame {
  return frameOf(streamId, { case: 'ackFrame', value: {} }, ack, ackBits);
}

export function decodeAll(frames: Uint8Array[]): RelayFrame[] {
  return frames.map((bytes) => {
    const r = decodeFrame(bytes);
    if (!r.ok) throw r.error;
    return r.value;
  });
}

export function dataSeqs(frames: Uint8Array[]): number[] {
  return decodeAll(frames).flatMap((f) => (f.body.case === 'data' ? [f.body.value.seq] : []));
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** A stream with a test config; `heardFromPeer` makes it behave like an established stream. */
export function makeStream(
  overrides: Partial<StreamConfig> = {},
  now = 0,
  heardFromPeer = true,
): ReliableStream {
  return new ReliableStream('s-1', resolveStreamConfig(overrides), now, { linkUp: true, heardFromPeer });
}

/** Deterministic pseudo-random message bytes. */
export function patterned(size: number, seed: number): Uint8Array {
  const out = new Uint8Array(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < size; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
