import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket, WebSocketServer } from 'ws';
import { decodeFrame } from '../../proto/codec/index.ts';

/**
 * A fake registry (HTTP, checks the bearer token) and a fake rendezvous (a
 * plain `ws` server) in one: the executor registers and opens one socket to
 * `/executor`; one harness socket on `/harness`; binary relay frames are
 * forwarded unchanged between them (dropped while the other side is absent).
 */
export class FakeRendezvous {
  readonly registerCalls: { authorization: string | undefined; body: string }[] = [];
  /** Stream ids seen on frames from the executor. */
  readonly executorStreamIds = new Set<string>();
  executorSockets = 0;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  #executor: WebSocket | null = null;
  #harness: WebSocket | null = null;
  #port = 0;

  readonly executorId: string;
  readonly token: string;

  private constructor(executorId: string, token: string) {
    this.executorId = executorId;
    this.token = token;
    this.#wss = new WebSocketServer({ noServer: true });
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== `/cloud/executor/${executorId}/register`) {
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end('{"error":{"code":"not_found","message":"not found"}}');
          return;
        }
        this.registerCalls.push({ authorization: req.headers.authorization, body });
        if (req.headers.authorization !== `Bearer ${token}`) {
          res
            .writeHead(401, { 'content-type': 'application/json' })
            .end('{"error":{"code":"invalid_token","message":"bad token"}}');
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ executor_id: executorId, url: `${this.wsBase}/executor` }));
      });
    });
    this.#server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => {
        if (req.url === '/executor') this.#attachExecutor(ws);
        else this.#attachHarness(ws);
      });
    });
  }

  static async start(executorId: string, token: string): Promise<FakeRendezvous> {
    const r = new FakeRendezvous(executorId, token);
    await new Promise<void>((resolve) => r.#server.listen(0, '127.0.0.1', resolve));
    r.#port = (r.#server.address() as AddressInfo).port;
    return r;
  }

  get registryUrl(): string {
    return `http://127.0.0.1:${this.#port}`;
  }
  get wsBase(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }
  get harnessUrl(): string {
    return `${this.wsBase}/harness`;
  }

  /** Kills the executor's socket without a close handshake. */
  dropExecutorSocket(): void {
    this.#executor?.terminate();
  }

  async close(): Promise<void> {
    for (const c of this.#wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #attachExecutor(ws: WebSocket): void {
    this.executorSockets++;
    this.#executor?.terminate();
    this.#executor = ws;
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return ws.close(1003, 'binary frames only');
      const decoded = decodeFrame(new Uint8Array(data));
      if (decoded.ok) this.executorStreamIds.add(decoded.value.streamId);
      if (this.#harness?.readyState === WebSocket.OPEN) this.#harness.send(data);
    });
    ws.on('close', () => {
      if (this.#executor === ws) this.#executor = null;
    });
  }

  #attachHarness(ws: WebSocket): void {
    this.#harness = ws;
    ws.on('message', (data: Buffer, isBinary) => {
      if (!isBinary) return ws.close(1003, 'binary frames only');
      if (this.#executor?.readyState === WebSocket.OPEN) this.#executor.send(data);
    });
  }
}
