import type WebSocket from 'ws';
import { CloseCode } from '../../proto/close-codes.ts';
import type { Clock } from '../live/clock.ts';
import type { RelayLogger } from '../live/logger.ts';
import type { MuxDriver } from '../live/mux-driver.ts';
import { rawBytes } from './raw-data.ts';

export interface KeepaliveOptions {
  /** WebSocket ping interval (default 30 s). */
  pingIntervalMs: number;
  /** No pong for this long → the socket is dead (default 60 s). */
  pongTimeoutMs: number;
}

export const DEFAULT_KEEPALIVE: KeepaliveOptions = { pingIntervalMs: 30_000, pongTimeoutMs: 60_000 };

/**
 * Wires one open WebSocket to a driver: binary messages in, frames out,
 * pings with a pong deadline. Calls `onClosed` once when the socket is gone.
 */
export function bindSocket(
  ws: WebSocket,
  driver: MuxDriver,
  keepalive: KeepaliveOptions,
  clock: Clock,
  logger: RelayLogger | undefined,
  onClosed: (code: number, reason: string) => void,
): void {
  let lastPong = clock.now();
  let ended = false;
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

  ws.on('pong', () => {
    lastPong = clock.now();
  });
  ws.on('message', (data, isBinary) => {
    if (!isBinary) {
      logger?.warn?.({}, 'text message on a relay socket: closing it');
      ws.close(CloseCode.UnsupportedData, 'binary frames only');
      return;
    }
    driver.receive(rawBytes(data));
  });
  ws.on('error', (err) => logger?.warn?.({ err }, 'relay socket error'));
  ws.on('close', (code, reason) => {
    if (ended) return;
    ended = true;
    cancelPing();
    driver.linkDown();
    onClosed(code, reason.toString());
  });
  driver.linkUp((frame) => {
    if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  });
}
