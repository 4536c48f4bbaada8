/**
 * Micro-benchmarks of the hot paths every output byte crosses: the frame
 * codec, the rendezvous's header peek, base64 and JSON of an output
 * notification, and the pure endpoint core moving messages between two
 * stream muxes in memory (segmenting, acks, windows, encode and decode).
 */

import { StreamMux } from '../../endpoint/index.ts';
import { outputNotification } from '../../executor/output-notification.ts';
import { decodeFrame, encodeFrame, peekHeader, type RelayFrame } from '../../proto/codec/index.ts';
import { ENCODED_UTF8, readOutputNotification } from '../../rpc/index.ts';
import { MiB } from '../../sim/memory.ts';

export interface MicroResult {
  name: string;
  /** Operations per second. */
  opsPerSec: number;
  /** Payload MiB per second, where one op moves `bytesPerOp`. */
  mibPerSec?: number;
}

const STREAM_ID = '6f1c1a8e-2f0b-4d7a-9a53-3d8f0f2a9b11';
const OUTPUT_CHUNK = 64 * 1024;

/** Runs `op` for about `ms` milliseconds (after a short warm-up) and returns ops per second. */
function opsPerSecond(op: () => void, ms: number): number {
  const warm = performance.now() + Math.min(100, ms / 4);
  while (performance.now() < warm) op();
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 16; i++) op();
    ops += 16;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

function dataFrame(payloadBytes: number): RelayFrame {
  return {
    version: 1,
    streamId: STREAM_ID,
    ack: 12345,
    ackBits: 0b1010,
    body: {
      case: 'data',
      value: { seq: 12400, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array(payloadBytes).fill(65) },
    },
  };
}

/** Moves `total` bytes in `messageBytes` messages from one mux to another, frames delivered at once. */
function coreTransfer(total: number, messageBytes: number): number {
  const a = new StreamMux({ accept: false }, true);
  const b = new StreamMux({ accept: true }, true);
  const sender = a.open('bench', 0);
  const message = new Uint8Array(messageBytes).fill(7);
  const count = Math.ceil(total / messageBytes);
  let sent = 0;
  let delivered = 0;
  let now = 0;
  const start = performance.now();
  while (delivered < count) {
    while (sent < count && sender.writable) {
      sender.send(message, now);
      sent += 1;
    }
    for (const frame of a.drain().frames) b.receive(frame, now);
    now += 1;
    b.tick(now);
    const outB = b.drain();
    for (const s of outB.streams) delivered += s.messages.length;
    for (const frame of outB.frames) a.receive(frame, now);
    a.tick(now);
  }
  return (performance.now() - start) / 1000;
}

export function runMicro(ms: number): MicroResult[] {
  const results: MicroResult[] = [];
  const add = (name: string, op: () => void, bytesPerOp?: number) => {
    const opsPerSec = opsPerSecond(op, ms);
    results.push({
      name,
      opsPerSec,
      ...(bytesPerOp !== undefined && { mibPerSec: (opsPerSec * bytesPerOp) / MiB }),
    });
  };
  let sink: unknown;
  for (const size of [1024, 60 * 1024]) {
    const frame = dataFrame(size);
    const bytes = encodeFrame(frame);
    add(
      `encodeFrame data ${size / 1024} KiB`,
      () => {
        sink = encodeFrame(frame);
      },
      size,
    );
    add(
      `decodeFrame data ${size / 1024} KiB`,
      () => {
        sink = decodeFrame(bytes);
      },
      size,
    );
    add(
      `peekHeader data ${size / 1024} KiB`,
      () => {
        sink = peekHeader(bytes);
      },
      size,
    );
  }
  const ack = encodeFrame({
    version: 1,
    streamId: STREAM_ID,
    ack: 77,
    ackBits: 0,
    body: { case: 'ackFrame', value: {} },
  });
  add('decodeFrame ack', () => {
    sink = decodeFrame(ack);
  });
  const chunk = Buffer.alloc(OUTPUT_CHUNK, 'x');
  add(
    'base64 encode 64 KiB',
    () => {
      sink = chunk.toString('base64');
    },
    OUTPUT_CHUNK,
  );
  const b64 = chunk.toString('base64');
  add(
    'base64 decode 64 KiB',
    () => {
      sink = Buffer.from(b64, 'base64');
    },
    OUTPUT_CHUNK,
  );
  const encoder = new TextEncoder();
  const notification = {
    method: 'process/output',
    params: { processId: STREAM_ID, seq: 1234, stream: 'stdout', chunk: b64 },
  };
  add(
    'JSON.stringify+TextEncoder output 64 KiB',
    () => {
      sink = encoder.encode(JSON.stringify(notification));
    },
    OUTPUT_CHUNK,
  );
  add(
    'JSON.stringify+Buffer.from output 64 KiB',
    () => {
      sink = Buffer.from(JSON.stringify(notification), 'utf8');
    },
    OUTPUT_CHUNK,
  );
  const text = JSON.stringify(notification);
  add(
    'JSON.parse output 64 KiB',
    () => {
      sink = JSON.parse(text);
    },
    OUTPUT_CHUNK,
  );
  // The path output takes now: straight into bytes on the executor, read from them on the harness.
  for (const size of [OUTPUT_CHUNK, 512 * 1024]) {
    const data = Buffer.alloc(size, 'x');
    const label = `${size / 1024} KiB`;
    add(
      `output notification to UTF-8 bytes ${label}`,
      () => {
        sink = outputNotification(STREAM_ID, 1234, 'stdout', data)[ENCODED_UTF8];
      },
      size,
    );
    const encoded = outputNotification(STREAM_ID, 1234, 'stdout', data)[ENCODED_UTF8];
    add(
      `output notification read from bytes ${label}`,
      () => {
        sink = readOutputNotification(encoded);
      },
      size,
    );
  }
  const coreBytes = 64 * MiB;
  for (const messageBytes of [OUTPUT_CHUNK * 1.34, 1024]) {
    const total = messageBytes < 4096 ? coreBytes / 2 : coreBytes;
    coreTransfer(total / 8, Math.round(messageBytes)); // warm-up
    const seconds = coreTransfer(total, Math.round(messageBytes));
    const messages = Math.ceil(total / Math.round(messageBytes));
    results.push({
      name: `endpoint core transfer, ${(Math.round(messageBytes) / 1024).toFixed(0)} KiB messages`,
      opsPerSec: messages / seconds,
      mibPerSec: total / MiB / seconds,
    });
  }
  if (sink === undefined) throw new Error('unreachable');
  return results;
}
