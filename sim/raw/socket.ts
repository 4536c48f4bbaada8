/**
 * A Node WebSocket client for relay sockets in tests: it records every binary
 * message and lets a test await them one at a time.
 */
import WebSocket from 'ws';

export interface CloseInfo {
  code: number;
  reason: string;
}

export interface RelaySocket {
  readonly ws: WebSocket;
  send(bytes: Uint8Array | string): void;
  /** The next binary message not yet returned; rejects after `timeoutMs` or when the socket closes first. */
  nextFrame(timeoutMs?: number): Promise<Uint8Array>;
  /** Binary messages received and not yet returned by nextFrame. */
  pending(): number;
  /** Resolves when the socket has closed. */
  readonly closed: Promise<CloseInfo>;
  close(): Promise<CloseInfo>;
}

/** Thrown when the server answers the upgrade with an HTTP status instead of 101. */
export class UpgradeRejected extends Error {
  readonly status: number;
  readonly body: string;

  constructor(status: number, body: string) {
    super(`WebSocket upgrade rejected with ${status}: ${body}`);
    this.status = status;
    this.body = body;
  }
}

export function openRelaySocket(url: string): Promise<RelaySocket> {
  // workerd under Miniflare keeps the TCP connection of a socket the Durable
  // Object closed until the object goes idle (~10 s); once both close frames
  // have crossed, stop waiting for the server's FIN after a short grace.
  // Frames are binary and mostly incompressible: no permessage-deflate.
  // (`closeTimeout` is a ws option that its type definitions do not list.)
  const options: WebSocket.ClientOptions & { closeTimeout: number } = {
    maxPayload: 64 * 1024 * 1024,
    closeTimeout: 500,
    perMessageDeflate: false,
  };
  const ws = new WebSocket(url, options);
  const queue: Uint8Array[] = [];
  const waiters: { resolve: (frame: Uint8Array) => void; reject: (err: Error) => void }[] = [];
  let closeInfo: CloseInfo | undefined;

  const closed = new Promise<CloseInfo>((resolve) => {
    ws.on('close', (code, reason) => {
      closeInfo = { code, reason: reason.toString() };
      for (const waiter of waiters.splice(0)) {
        waiter.reject(new Error(`socket closed (${code} ${reason.toString()}) before the next frame`));
      }
      resolve(closeInfo);
    });
  });

  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const bytes = new Uint8Array(data as Buffer);
    const waiter = waiters.shift();
    if (waiter) waiter.resolve(bytes);
    else queue.push(bytes);
  });

  const socket: RelaySocket = {
    ws,
    send: (bytes) => ws.send(bytes, { binary: typeof bytes !== 'string' }),
    pending: () => queue.length,
    nextFrame(timeoutMs = 10_000) {
      const queued = queue.shift();
      if (queued) return Promise.resolve(queued);
      if (closeInfo)
        return Promise.reject(new Error(`socket closed (${closeInfo.code}) before the next frame`));
      return new Promise<Uint8Array>((resolve, reject) => {
        const waiter = {
          resolve: (frame: Uint8Array) => {
            clearTimeout(timer);
            resolve(frame);
          },
          reject: (err: Error) => {
            clearTimeout(timer);
            reject(err);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`no frame within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    closed,
    close() {
      if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(1000, 'done');
      return closed;
    },
  };

  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => {
        reject(new UpgradeRejected(res.statusCode ?? 0, body));
        ws.terminate();
      });
    });
    ws.on('error', (err) => reject(err));
  });
}
