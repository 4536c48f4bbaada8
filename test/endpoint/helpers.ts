import { resolveStreamConfig, type StreamConfig } from '../../endpoint/core/config.ts';
import { ReliableStream } from '../../endpoint/index.ts';
import type { RelayFrame, RelayFrameBody } from '../../proto/codec/index.ts';
import { decoded } from '../../sim/raw/frames.ts';

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
  return frames.map(decoded);
}

export function dataSeqs(frames: Uint8Array[]): number[] {
  return decodeAll(frames).flatMap((f) => (f.body.case === 'data' ? [f.body.value.seq] : []));
}

/** The reasons of the reset frames among `frames`, in order. */
export function resetReasons(frames: Uint8Array[]): string[] {
  return decodeAll(frames).flatMap((f) => (f.body.case === 'reset' ? [f.body.value.reason] : []));
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

/** An established stream `s-1` (it has heard its peer) with a test config, created at time 0. */
export function makeStream(overrides: Partial<StreamConfig> = {}): ReliableStream {
  return new ReliableStream('s-1', resolveStreamConfig(overrides), 0, { linkUp: true, heardFromPeer: true });
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
