/**
 * The seed's test fixtures (upstream `exec-server/tests/relay.rs`): a fake
 * registry that answers one registration, and a fake rendezvous that is the
 * executor's only peer. Frames are written and read with protobuf-es from
 * relay.proto, as upstream's test does with prost, not with relaykit's codec.
 */

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { create, fromBinary, type MessageInitShape, toBinary } from '@bufbuild/protobuf';
import { type WebSocket, WebSocketServer } from 'ws';
import {
  type RelayMessageFrame,
  RelayMessageFrameSchema,
} from '../../proto/gen/codex/exec_server/relay/v1/relay_pb.ts';

/** Every read waits at most this long, as the seed's `TEST_TIMEOUT`. */
const TEST_TIMEOUT_MS = 5_000;

/** `POST /cloud/executor/{id}/register` with `authorization: Bearer {token}` → `{executor_id, url}`; anything else 404. */
export async function startFakeRegistry(executorId: string, token: string, url: string): Promise<Server> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const matches =
        req.method === 'POST' &&
        req.url === `/cloud/executor/${executorId}/register` &&
        req.headers.authorization === `Bearer ${token}`;
      if (!matches) return res.writeHead(404).end();
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ executor_id: executorId, url }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

export function baseUrl(server: Server, scheme: 'http' | 'ws'): string {
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

export async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** One JSON-RPC message read from a data frame, with its stream id. */
export interface RelayMessage {
  streamId: string;
  message: Record<string, unknown>;
}

/** The fake rendezvous: a WebSocket server that accepts the executor's one socket and plays its harnesses. */
export class FakeRendezvous {
  readonly server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #frames: (RelayMessageFrame | Error)[] = [];
  #waiter: (() => void) | undefined;
  #socket: WebSocket | undefined;

  private constructor(server: Server) {
    this.server = server;
    server.on('upgrade', (req, socket, head) => {
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
  }

  static async start(): Promise<FakeRendezvous> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new FakeRendezvous(server);
  }

  /** Resolves once the executor's socket is open. */
  async accepted(): Promise<void> {
    while (this.#socket === undefined) await this.#next();
  }

  send(frame: MessageInitShape<typeof RelayMessageFrameSchema>): void {
    this.#socket?.send(toBinary(RelayMessageFrameSchema, create(RelayMessageFrameSchema, frame)));
  }

  /** A data frame numbered `seq` carrying one JSON-RPC message, as upstream's legacy harness sends it. */
  sendMessage(streamId: string, seq: number, message: object): void {
    const payload = new TextEncoder().encode(JSON.stringify(message));
    this.send({
      version: 1,
      streamId,
      ack: 0,
      ackBits: 0,
      body: { case: 'data', value: { seq, segmentIndex: 0, segmentCount: 1, payload } },
    });
  }

  sendReset(streamId: string, reason: string): void {
    this.send({
      version: 1,
      streamId,
      ack: 0,
      ackBits: 0,
      body: { case: 'reset', value: { reason } },
    });
  }

  /** The next frame from the executor, whatever its body. */
  async readFrame(): Promise<RelayMessageFrame> {
    while (this.#frames.length === 0) await this.#next();
    const frame = this.#frames.shift() as RelayMessageFrame | Error;
    if (frame instanceof Error) throw frame;
    return frame;
  }

  /** The next data frame's message, skipping frames of other bodies, as the seed's `read_relay_message`. */
  async readMessage(): Promise<RelayMessage> {
    for (;;) {
      const frame = await this.readFrame();
      if (frame.body.case !== 'data') continue;
      const message = JSON.parse(new TextDecoder().decode(frame.body.value.payload));
      return { streamId: frame.streamId, message };
    }
  }

  /** `count` messages keyed by stream id; a second message for one stream fails, as the seed's `read_relay_messages_by_stream`. */
  async readMessagesByStream(count: number): Promise<Map<string, Record<string, unknown>>> {
    const messages = new Map<string, Record<string, unknown>>();
    for (let i = 0; i < count; i++) {
      const { streamId, message } = await this.readMessage();
      if (messages.has(streamId)) throw new Error(`received duplicate response for stream ${streamId}`);
      messages.set(streamId, message);
    }
    return messages;
  }

  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await closeServer(this.server);
  }

  #accept(ws: WebSocket): void {
    this.#socket = ws;
    ws.on('message', (data: Buffer, isBinary) => {
      this.#frames.push(
        isBinary
          ? fromBinary(RelayMessageFrameSchema, new Uint8Array(data))
          : new Error('executor sent text frame on relay websocket'),
      );
      this.#wake();
    });
    ws.on('close', () => {
      this.#frames.push(new Error('executor websocket closed'));
      this.#wake();
    });
    this.#wake();
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }

  #next(): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for relay frame')), TEST_TIMEOUT_MS);
      this.#waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
