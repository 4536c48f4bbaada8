import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { wsTextTransport } from '../rpc/index.ts';
import { ConnectionProcessor } from './connection-processor.ts';
import { readableMessageBytes } from './limits.ts';
import { SessionOwners, type SessionTable } from './session-table.ts';

export interface LocalServer {
  /** The URL clients connect to, with the actual port. */
  readonly url: string;
  close(): Promise<void>;
}

/** Parses `ws://HOST:PORT` (port 0 = any free port). */
export function parseListenUrl(value: string): { host: string; port: number } {
  const m = /^ws:\/\/(\[[^\]]+\]|[^:/[\]]+):(\d{1,5})\/?$/.exec(value);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || port > 65535)
    throw new Error(`--listen must look like ws://127.0.0.1:PORT (0 picks a free port), got ${value}`);
  return { host: (m[1] as string).replace(/^\[|\]$/g, ''), port };
}

/** Local mode: plain JSON-RPC, one message per text frame, a session processor per connection. */
export async function startLocalServer(
  listen: { host: string; port: number },
  sessions: SessionTable,
  logger: Logger,
): Promise<LocalServer> {
  // A larger frame closes the connection (1009), as a larger relay message resets its stream.
  const maxPayload = readableMessageBytes(sessions.limits);
  const wss = new WebSocketServer({ host: listen.host, port: listen.port, maxPayload });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  wss.on('error', (err) => logger.error({ err }, 'local server error'));
  wss.on('connection', (ws, req) => {
    logger.info({ remote: `${req.socket.remoteAddress}:${req.socket.remotePort}` }, 'connection accepted');
    new ConnectionProcessor(wsTextTransport(ws), sessions, logger, SessionOwners.local);
  });
  const address = wss.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `ws://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close(() => resolve());
      }),
  };
}
