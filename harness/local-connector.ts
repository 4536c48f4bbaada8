import WebSocket from 'ws';
import { wsTextTransport } from '../rpc/index.ts';
import type { Connector, OpenedConnection } from './connector.ts';
import { HarnessConnectError } from './errors.ts';

/** A WebSocket that does not open within this time counts as a failed attempt. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

/** Local mode: every connection is a new WebSocket to the executor's `--listen` URL. */
export function localConnector(url: string): Connector {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new HarnessConnectError(`invalid executor URL ${JSON.stringify(url)}`, false);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new HarnessConnectError(`executor URL must start with ws:// or wss://, got ${url}`, false);
  }
  const open = new Set<WebSocket>();
  let closed = false;

  return {
    target: url,
    open(): Promise<OpenedConnection> {
      if (closed) return Promise.reject(new HarnessConnectError('connector is closed', false));
      return new Promise((resolve, reject) => {
        const ws = new WebSocket(url, {
          handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
          maxPayload: 256 * 1024 * 1024,
        });
        open.add(ws);
        ws.once('close', () => open.delete(ws));
        const onError = (err: Error) => {
          ws.terminate();
          reject(new HarnessConnectError(`cannot connect to ${url}: ${describe(err)}`, true));
        };
        ws.once('error', onError);
        ws.once('open', () => {
          ws.off('error', onError);
          resolve({ transport: wsTextTransport(ws) });
        });
      });
    },
    onFatal: () => () => {},
    async close(): Promise<void> {
      closed = true;
      await Promise.all(
        [...open].map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === WebSocket.CLOSED) return resolve();
              ws.once('close', () => resolve());
              ws.close(1000, 'closed');
              // A peer that never answers the close handshake must not hold us up.
              setTimeout(() => ws.terminate(), 1_000).unref();
            }),
        ),
      );
    },
  };
}

function describe(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return code === undefined ? err.message : `${code} (${err.message})`;
}
