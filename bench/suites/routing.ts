/**
 * Frames per second one ExecutorRelay Durable Object routes under Miniflare:
 * one executor socket and one harness socket on one stream over loopback;
 * the sender keeps a bounded number of frames in flight (a window, as the
 * endpoints do) and the clock stops when the last frame has arrived.
 */
import { randomUUID } from 'node:crypto';
import { frameOfSize, resumeFrame } from '../../sim/raw/frames.ts';
import { openExecutor, openHarness } from '../../sim/raw/session.ts';
import type { RelaySocket } from '../../sim/raw/socket.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { secondsSince } from '../lib/stats.ts';

export interface RoutingPair {
  readonly executorId: string;
  /** Seconds to move `frames` frames of `frameBytes` (+ header) in one direction. */
  pump(
    direction: 'harness → executor' | 'executor → harness',
    frameBytes: number,
    frames: number,
  ): Promise<number>;
  /** Encoded size of a frame with `frameBytes` payload. */
  frameSize(frameBytes: number): number;
  close(): Promise<void>;
}

/** Sends `frames` frames from `from` to `to` keeping at most `window` in flight. */
async function pump(
  from: RelaySocket,
  to: RelaySocket,
  frame: Uint8Array,
  frames: number,
  window: number,
): Promise<number> {
  let sent = 0;
  let received = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const fill = () => {
      while (sent < frames && sent - received < window) {
        from.ws.send(frame);
        sent++;
      }
    };
    const onClose = () => reject(new Error('receiving socket closed'));
    const onMessage = () => {
      received++;
      if (received === frames) {
        to.ws.off('message', onMessage);
        to.ws.off('close', onClose);
        resolve();
      } else fill();
    };
    to.ws.on('message', onMessage);
    to.ws.once('close', onClose);
    fill();
  });
  return secondsSince(start);
}

export async function openRoutingPair(worker: WorkerUnderTest): Promise<RoutingPair> {
  const executorId = `bench-${randomUUID()}`;
  const executor = await openExecutor(worker, executorId);
  const harness = await openHarness(worker, executorId);
  const stream = randomUUID();
  harness.send(resumeFrame(stream));
  await executor.nextFrame();
  const frames = new Map<number, Uint8Array>();
  const frameOf = (bytes: number) => {
    let f = frames.get(bytes);
    if (f === undefined) {
      f = frameOfSize(stream, bytes);
      frames.set(bytes, f);
    }
    return f;
  };
  return {
    executorId,
    pump(direction, frameBytes, count) {
      const window = frameBytes <= 4096 ? 256 : 32;
      const [from, to] = direction === 'harness → executor' ? [harness, executor] : [executor, harness];
      return pump(from, to, frameOf(frameBytes), count, window);
    },
    frameSize: (bytes) => frameOf(bytes).length,
    async close() {
      await Promise.all([executor.close(), harness.close()]);
    },
  };
}
