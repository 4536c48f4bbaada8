import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Deterministic bytes a test can recompute. */
export function patternBytes(size: number): Buffer {
  const bytes = Buffer.alloc(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + (i >> 8)) & 255;
  return bytes;
}

type Route = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

function routes(target: { hanging: number; abandoned: number }): Record<string, Route> {
  return {
    '/hello': (_req, res) => {
      res.writeHead(200, [
        ['Content-Type', 'text/plain'],
        ['X-Multi', 'a'],
        ['X-Multi', 'b'],
      ]);
      res.end('hello');
    },
    '/echo': (req, res, body) => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, headers: req.rawHeaders, body: body.toString() }));
    },
    '/redirect': (_req, res) => {
      res.writeHead(302, { location: '/hello' });
      res.end();
    },
    '/bytes': (req, res) => {
      const size = Number(new URL(req.url ?? '', 'http://x').searchParams.get('n'));
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(patternBytes(size));
    },
    '/hang': (_req, res) => {
      target.hanging++;
      res.once('close', () => target.abandoned++);
    },
    '/slow': (_req, res) => {
      setTimeout(() => res.end('late'), 200);
    },
    '/broken': (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('partial', () => res.socket?.destroy());
    },
  };
}

/** A loopback HTTP server with a few fixed routes, for `http/request` tests. */
export class HttpTarget {
  /** `/hang` requests received, and those whose client gave up. */
  hanging = 0;
  abandoned = 0;
  readonly #server: Server;

  private constructor() {
    const table = routes(this);
    this.#server = createServer((req, res) => {
      const parts: Buffer[] = [];
      req.on('data', (d: Buffer) => parts.push(d));
      req.on('end', () => {
        const route = table[new URL(req.url ?? '', 'http://x').pathname];
        if (route) return route(req, res, Buffer.concat(parts));
        res.writeHead(404).end('not found');
      });
    });
  }

  static async start(): Promise<HttpTarget> {
    const target = new HttpTarget();
    await new Promise<void>((resolve) => target.#server.listen(0, '127.0.0.1', resolve));
    return target;
  }

  url(path: string): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}${path}`;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
