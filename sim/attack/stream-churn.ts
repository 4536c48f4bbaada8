/**
 * A harness socket that churns stream ids: for a while, as fast as its
 * socket takes them, a new stream id with a frame that opens a stream (an
 * `initialize` on a cleartext executor, a handshake on a secure one),
 * reset at once.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { setImmediate as yieldToIo } from 'node:timers/promises';
import { dataFrame, handshakeFrame, resetFrame, resetReason } from '../raw/frames.ts';
import { openRelaySocket } from '../raw/socket.ts';

/** Above this many bytes queued in the socket, the churn waits for it to drain. */
const QUEUED_BYTES = 1024 * 1024;

export interface Churn {
  /** New stream ids sent. */
  readonly streams: number;
  /** Resets that came back, by reason. */
  readonly resets: Readonly<Record<string, number>>;
}

const initialize = Buffer.from(
  JSON.stringify({ id: 0, method: 'initialize', params: { clientName: 'churn' } }),
);

/** Churns stream ids on a socket to `url` (a harness ticket URL) for `durationMs`. */
export async function churnStreams(
  url: string,
  options: { durationMs: number; secure: boolean },
): Promise<Churn> {
  const socket = await openRelaySocket(url);
  const resets: Record<string, number> = {};
  // Taken off the socket's queue as they come, so it never grows.
  socket.ws.on('message', () => {
    while (socket.pending() > 0) {
      void socket.nextFrame().then((bytes) => {
        const reason = resetReason(bytes) ?? 'other';
        resets[reason] = (resets[reason] ?? 0) + 1;
      });
    }
  });
  const handshake = randomBytes(3568);
  let streams = 0;
  const until = performance.now() + options.durationMs;
  while (performance.now() < until && socket.ws.readyState === socket.ws.OPEN) {
    if (socket.ws.bufferedAmount > QUEUED_BYTES) {
      await yieldToIo();
      continue;
    }
    const streamId = randomUUID();
    socket.send(options.secure ? handshakeFrame(streamId, handshake) : dataFrame(streamId, 1, initialize));
    socket.send(resetFrame(streamId, 'closed'));
    streams += 1;
    if (streams % 64 === 0) await yieldToIo();
  }
  await socket.close();
  return { streams, resets };
}
