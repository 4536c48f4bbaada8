/**
 * A transparent loopback relay in front of the fault proxy that reads every
 * frame the endpoints send, before any fault touches it: each data frame
 * seen again (same sender, stream and seq) is a retransmission. Frames,
 * pings and closes pass unchanged; registry calls are forwarded with the
 * returned socket URL pointed back at the tap.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { passThrough } from '../faults/http-pass-through.ts';
import { decodeFrame } from '../proto/codec/index.ts';

export interface TapCounts {
  /** Data frames sent for the first time, per sending role. */
  dataFrames: Record<string, number>;
  /** Data frames sent again (timeout, fast or resume retransmissions), per sending role. */
  retransmissions: Record<string, number>;
  /** Reset frames sent by the endpoints, by reason. */
  resets: Record<string, number>;
}

export interface FrameTap {
  readonly httpUrl: string;
  counts(): TapCounts;
  close(): Promise<void>;
}

const OPTIONS = {
  autoPong: false,
  perMessageDeflate: false,
  maxPayload: 64 * 1024 * 1024,
  closeTimeout: 250,
};

function toBuffer(data: WebSocket.RawData): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data as ArrayBuffer);
}

/** Forwards one direction of a socket pair: messages, pings, pongs and the close. */
function pipe(from: WebSocket, to: WebSocket, onBinary: (bytes: Uint8Array) => void): void {
  from.on('message', (data, isBinary) => {
    const bytes = toBuffer(data);
    if (isBinary) onBinary(bytes);
    if (to.readyState === WebSocket.OPEN) to.send(bytes, { binary: isBinary });
  });
  from.on('ping', (data) => to.readyState === WebSocket.OPEN && to.ping(data));
  from.on('pong', (data) => to.readyState === WebSocket.OPEN && to.pong(data));
  from.on('close', (code) => {
    if (to.readyState !== WebSocket.OPEN) return to.terminate();
    // 1005/1006 are local-only codes: the other side just loses its socket.
    if (code === 1005 || code === 1006) to.terminate();
    else to.close(code);
  });
  from.on('error', () => to.terminate());
}

export async function startFrameTap(target: string): Promise<FrameTap> {
  const targetUrl = new URL(target);
  const wsOrigin = `ws://${targetUrl.host}`;
  const seen = new Set<string>();
  const counts: TapCounts = { dataFrames: {}, retransmissions: {}, resets: {} };
  const bump = (record: Record<string, number>, key: string) => {
    record[key] = (record[key] ?? 0) + 1;
  };
  const observe = (role: string, bytes: Uint8Array) => {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) return;
    const frame = decoded.value;
    if (frame.body.case === 'data') {
      const key = `${role}|${frame.streamId}|${frame.body.value.seq}`;
      if (seen.has(key)) bump(counts.retransmissions, role);
      else {
        seen.add(key);
        bump(counts.dataFrames, role);
      }
    } else if (frame.body.case === 'reset') {
      bump(counts.resets, frame.body.value.reason);
    }
  };

  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, ...OPTIONS });
  let host = '';
  const server = createServer((req, res) => void passThrough(req, res, targetUrl.origin, host));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = req.url ?? '/';
    const role = new URL(path, 'http://tap').searchParams.get('role') ?? 'unknown';
    const upstream = new WebSocket(`${wsOrigin}${path}`, OPTIONS);
    upstream.once('unexpected-response', (_request, response) => {
      socket.end(`HTTP/1.1 ${response.statusCode ?? 502} ${response.statusMessage ?? ''}\r\n\r\n`);
      upstream.terminate();
    });
    upstream.once('error', () => socket.destroy());
    upstream.once('open', () => {
      wss.handleUpgrade(req, socket, head, (client) => {
        sockets.add(client);
        sockets.add(upstream);
        client.once('close', () => sockets.delete(client));
        upstream.once('close', () => sockets.delete(upstream));
        pipe(client, upstream, (bytes) => observe(role, bytes));
        pipe(upstream, client, () => {});
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    httpUrl: `http://${host}`,
    counts: () => structuredClone(counts),
    async close() {
      for (const socket of sockets) socket.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
