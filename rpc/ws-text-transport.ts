import type { WebSocket } from 'ws';
import { rawBytes } from '../endpoint/index.ts';
import { CloseCode } from '../proto/close-codes.ts';
import { protocolErrorReason } from '../proto/reset-reasons.ts';
import { messageBytes } from './encoded-message.ts';
import type { RpcTransport } from './transport.ts';

/** Above this many bytes queued in the socket, the transport reports itself backed up. */
export const DEFAULT_HIGH_WATER_BYTES = 1024 * 1024;

export interface WsTextTransportOptions {
  highWaterBytes?: number;
}

/**
 * Local-mode JSON-RPC over a WebSocket: one JSON message per text frame.
 * Binary frames are a protocol error (close 1003).
 */
export function wsTextTransport(ws: WebSocket, options: WsTextTransportOptions = {}): RpcTransport {
  const highWater = options.highWaterBytes ?? DEFAULT_HIGH_WATER_BYTES;
  const messageListeners = new Set<(message: Uint8Array) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  const writableListeners = new Set<() => void>();
  let closedReason: string | null = null;
  /** Set once a send left the socket above high water; cleared by the write that drains it. */
  let backedUp = false;

  const isOpen = () => ws.readyState === ws.OPEN;
  const writable = () => isOpen() && ws.bufferedAmount <= highWater;

  // ws has no drain event, but every send's callback runs once its bytes are
  // handed to the kernel; the last outstanding one always sees the drained state.
  const onSent = (err?: Error) => {
    if (err || !backedUp || !writable()) return;
    backedUp = false;
    for (const l of [...writableListeners]) l();
  };

  const finish = (reason: string) => {
    if (closedReason !== null) return;
    closedReason = reason;
    for (const l of [...closeListeners]) l(reason);
  };

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      ws.close(CloseCode.UnsupportedData, 'text frames only');
      return;
    }
    const bytes = rawBytes(data);
    for (const l of [...messageListeners]) l(bytes);
  });
  ws.on('close', (code, reason) => {
    // Named as a relay stream's reset names it: the peer will not read a message this large.
    if (code === CloseCode.MessageTooBig) finish(protocolErrorReason('message_too_large'));
    else finish(reason.length > 0 ? reason.toString() : `closed (${code})`);
  });
  ws.on('error', (err) => finish(`error: ${err.message}`));

  return {
    send(message: object): number {
      if (!isOpen()) return 0;
      // Always UTF-8 bytes (a message may carry its own), sent as a text frame.
      const bytes = messageBytes(message);
      ws.send(bytes, { binary: false }, onSent);
      if (ws.bufferedAmount > highWater) backedUp = true;
      return bytes.length;
    },
    get writable() {
      return writable();
    },
    onWritable(listener) {
      writableListeners.add(listener);
      return () => writableListeners.delete(listener);
    },
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onClose(listener) {
      if (closedReason !== null) {
        const reason = closedReason;
        queueMicrotask(() => listener(reason));
      } else closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    // Stops reading the socket: TCP backpressure then fills the peer's send buffer.
    pauseReceiving: () => ws.pause(),
    resumeReceiving: () => ws.resume(),
    close(reason = 'closed'): void {
      if (ws.readyState === ws.CLOSED || ws.readyState === ws.CLOSING) return;
      ws.close(CloseCode.Normal, reason.slice(0, 120));
    },
  };
}
