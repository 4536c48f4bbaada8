import { readFile } from 'node:fs/promises';
import WebSocket from 'ws';
import type { RpcTransport } from '../../rpc/index.ts';
import { wsTextTransport } from '../../rpc/index.ts';
import { pollUntil } from '../../sim/poll.ts';

export interface Notification {
  method: string;
  params: Record<string, unknown>;
}

export interface RpcErrorBody {
  code: number;
  message: string;
  data?: unknown;
}

/** A JSON-RPC error answer, thrown by `request`. */
export class RpcFailure extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(body: RpcErrorBody) {
    super(body.message);
    this.code = body.code;
    this.data = body.data;
  }
}

/** Polls `check` until it returns a value other than undefined. */
export async function until<T>(check: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  let value: T | undefined;
  await pollUntil(
    what,
    () => {
      value = check();
      return value !== undefined;
    },
    timeoutMs,
    10,
  );
  return value as T;
}

/** A minimal exec-server client for tests, over any RpcTransport. */
export class TestClient {
  readonly transport: RpcTransport;
  readonly notifications: Notification[] = [];
  /** Every raw message received, in order. */
  readonly received: Record<string, unknown>[] = [];
  readonly #pending = new Map<number | string, (message: Record<string, unknown>) => void>();
  #nextId = 1;
  closed = false;

  constructor(transport: RpcTransport) {
    this.transport = transport;
    transport.onMessage((bytes) => {
      const message = JSON.parse(Buffer.from(bytes).toString('utf8')) as Record<string, unknown>;
      this.received.push(message);
      if ('method' in message) {
        this.notifications.push({
          method: message.method as string,
          params: message.params as Record<string, unknown>,
        });
        return;
      }
      const waiter = this.#pending.get(message.id as number);
      if (waiter) {
        this.#pending.delete(message.id as number);
        waiter(message);
      }
    });
    transport.onClose(() => {
      this.closed = true;
    });
  }

  static async connect(url: string): Promise<TestClient> {
    const ws = new WebSocket(url);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new TestClient(wsTextTransport(ws));
  }

  /** Sends a request and returns the raw answer (result or error). */
  call(method: string, params?: unknown): Promise<Record<string, unknown>> {
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.transport.send(params === undefined ? { id, method } : { id, method, params });
    });
  }

  /** Sends a message exactly as given: a request resolves with the answer to its id, a notification at once. */
  exchange(message: { id?: number | string }): Promise<Record<string, unknown> | undefined> {
    const { id } = message;
    if (id === undefined) {
      this.transport.send(message);
      return Promise.resolve(undefined);
    }
    return new Promise((resolve) => {
      this.#pending.set(id, resolve);
      this.transport.send(message);
    });
  }

  async request<T = Record<string, unknown>>(method: string, params?: unknown): Promise<T> {
    const answer = await this.call(method, params);
    if ('error' in answer) throw new RpcFailure(answer.error as RpcErrorBody);
    return answer.result as T;
  }

  /** The error a request is answered with (fails the test if it succeeds). */
  async error(method: string, params?: unknown): Promise<RpcErrorBody> {
    const answer = await this.call(method, params);
    if (!('error' in answer))
      throw new Error(`${method} unexpectedly succeeded: ${JSON.stringify(answer.result)}`);
    return answer.error as RpcErrorBody;
  }

  notify(method: string, params?: unknown): void {
    this.transport.send(params === undefined ? { method } : { method, params });
  }

  async initialize(resumeSessionId?: string): Promise<string> {
    const { sessionId } = await this.request<{ sessionId: string }>('initialize', {
      clientName: 'test',
      ...(resumeSessionId ? { resumeSessionId } : {}),
    });
    this.notify('initialized');
    return sessionId;
  }

  eventsOf(processId: string): Notification[] {
    return this.notifications.filter((n) => n.params.processId === processId);
  }

  /** All output of a process received as notifications, concatenated. */
  outputOf(processId: string, stream?: string): Buffer {
    return Buffer.concat(
      this.eventsOf(processId)
        .filter((n) => n.method === 'process/output' && (stream === undefined || n.params.stream === stream))
        .map((n) => Buffer.from(n.params.chunk as string, 'base64')),
    );
  }

  waitForClosed(processId: string, timeoutMs?: number): Promise<Notification> {
    return until(
      () => this.eventsOf(processId).find((n) => n.method === 'process/closed'),
      `process/closed of ${processId}`,
      timeoutMs,
    );
  }

  waitForOutput(processId: string, text: string, stream?: string): Promise<string> {
    return until(
      () => {
        const out = this.outputOf(processId, stream).toString('utf8');
        return out.includes(text) ? out : undefined;
      },
      `output ${JSON.stringify(text)} from ${processId}`,
    );
  }

  close(): void {
    this.transport.close();
  }
}

/** Whether a pid is a live (non-zombie) process. */
export async function isAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Polls until a pid is gone; false if it is still alive after 20 s. */
export async function waitGone(pid: number): Promise<boolean> {
  const deadline = Date.now() + 20_000;
  while (await isAlive(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return true;
}
