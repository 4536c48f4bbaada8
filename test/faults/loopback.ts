/** A tiny recording WebSocket + HTTP target and a recording client, for driving the fault proxy. */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { pollUntil } from '../../sim/poll.ts';

export interface Closed {
  code: number;
  reason: string;
}

/** Records everything one socket receives. */
export interface Recorder {
  readonly ws: WebSocket;
  readonly binary: Uint8Array[];
  readonly text: string[];
  pings: number;
  pongs: number;
  closed: Closed | undefined;
}

function record(ws: WebSocket): Recorder {
  const r: Recorder = { ws, binary: [], text: [], pings: 0, pongs: 0, closed: undefined };
  ws.on('message', (data, isBinary) => {
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (isBinary) r.binary.push(new Uint8Array(bytes));
    else r.text.push(bytes.toString('utf8'));
  });
  ws.on('ping', () => {
    r.pings += 1;
  });
  ws.on('pong', () => {
    r.pongs += 1;
  });
  ws.on('close', (code, reason) => {
    r.closed = { code, reason: reason.toString('utf8') };
  });
  ws.on('error', () => {});
  return r;
}

export interface TargetSocket extends Recorder {
  readonly path: string;
}

export interface HttpSeen {
  method: string;
  path: string;
  authorization: string | undefined;
  body: string;
}

export interface Target {
  readonly origin: string;
  readonly port: number;
  readonly sockets: TargetSocket[];
  readonly http: HttpSeen[];
  close(): Promise<void>;
}

/**
 * Accepts WebSockets on any path (except `ticket=bad`, refused with 401) and
 * answers `POST /cloud/executor/{id}/register` with a socket URL on itself.
 */
export async function startTarget(): Promise<Target> {
  const sockets: TargetSocket[] = [];
  const http: HttpSeen[] = [];
  let port = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      http.push({
        method: req.method ?? '',
        path,
        authorization: req.headers.authorization,
        body: Buffer.concat(chunks).toString(),
      });
      const match = /^\/cloud\/executor\/([\w-]+)\/register$/.exec(path);
      if (req.method === 'POST' && match) {
        if (req.headers.authorization !== 'Bearer good') {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: 'bad token' }));
          return;
        }
        const id = match[1];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            executor_id: id,
            url: `ws://127.0.0.1:${port}/cloud/executor/${id}/ws?role=executor&ticket=t1`,
          }),
        );
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const path = req.url ?? '/';
    if (new URL(path, 'ws://x').searchParams.get('ticket') === 'bad') {
      const body = JSON.stringify({ error: 'ticket rejected' });
      socket.end(
        `HTTP/1.1 401 Unauthorized\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => sockets.push(Object.assign(record(ws), { path })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    sockets,
    http,
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** Opens a recording client socket; resolves once open. */
export async function openClient(url: string): Promise<Recorder> {
  const ws = new WebSocket(url);
  const r = record(ws);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return r;
}

/** Polls until `condition` holds; fails with `what` after a generous timeout. */
export function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  return pollUntil(what, condition, timeoutMs, 5);
}
