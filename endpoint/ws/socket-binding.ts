import type WebSocket from 'ws';
import { CloseCode } from '../../proto/close-codes.ts';
import type { Clock } from '../live/clock.ts';
import type { RelayLogger } from '../live/logger.ts';
import type { MuxDriver } from '../live/mux-driver.ts';
import { rawBytes } from './raw-data.ts';
import type { RendezvousContact } from './rendezvous-contact.ts';

export interface KeepaliveOptions {
  /** WebSocket ping interval (default 30 s). */
  pingIntervalMs: number;
  /** No pong for this long → the socket is dead (default 60 s). */
  pongTimeoutMs: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { pingIntervalMs: 30_000, pongTimeoutMs: 60_000 };

/** Above this many bytes queued in the socket, the link counts as congested. */
const LINK_HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Wires one open WebSocket to a driver: binary messages in, frames out,
 * pings with a pong deadline, congestion when the socket queues more than
 * its high water, what it hears told to `contact`. Calls `onClosed` once
 * when the socket is gone.
 */
export function bindSocket(
  ws: WebSocket,
  driver: MuxDriver,
  keepalive: KeepaliveOptions,
  clock: Clock,
  contact: RendezvousContact,
  logger: RelayLogger | undefined,
  onClosed: (code: number, reason: string) => void,
): void {
  contact.opened();
  let lastPong = clock.now();
  let ended = false;
  /** More than the high water is queued in the socket; legacy streams wait for it to drain. */
  let congested = false;
  const ping = () => {
    if (clock.now() - lastPong > keepalive.pongTimeoutMs) {
      logger?.warn?.({ pongTimeoutMs: keepalive.pongTimeoutMs }, 'no pong in time: socket is dead');
      ws.terminate();
      return;
    }
    ws.ping();
    cancelPing = clock.after(keepalive.pingIntervalMs, ping);
  };
  let cancelPing = clock.after(keepalive.pingIntervalMs, ping);
  // The first pong tells at once that the rendezvous hears this socket (see RendezvousContact).
  ws.ping();

  ws.on('pong', () => {
    lastPong = clock.now();
    contact.heard(lastPong);
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      logger?.warn?.({}, 'text message on a relay socket: closing it');
      ws.close(CloseCode.UnsupportedData, 'binary frames only');
      return;
    }
    contact.heard(clock.now());
    driver.receive(rawBytes(data));
  });
  ws.on('error', (err) => logger?.warn?.({ err }, 'relay socket error'));
  ws.on('close', (code, reason) => {
    if (ended) return;
    ended = true;
    cancelPing();
    contact.closed();
    if (congested) driver.linkCongested(false);
    driver.linkDown();
    onClosed(code, reason.toString());
  });
  // ws has no drain event, but every send's callback runs once its bytes are
  // handed to the kernel; the last outstanding one always sees the drained state.
  const onSent = (err?: Error) => {
    if (err || !congested || ws.bufferedAmount > LINK_HIGH_WATER_BYTES) return;
    congested = false;
    driver.linkCongested(false);
  };
  driver.linkUp((frame) => {
    if (ws.readyState !== ws.OPEN) return;
    if (!congested && ws.bufferedAmount + frame.length <= LINK_HIGH_WATER_BYTES) {
      ws.send(frame, { binary: true });
      return;
    }
    ws.send(frame, { binary: true }, onSent);
    if (!congested && ws.bufferedAmount > LINK_HIGH_WATER_BYTES) {
      congested = true;
      driver.linkCongested(true);
    }
  });
}
