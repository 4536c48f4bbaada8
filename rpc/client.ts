import { StreamClosedError } from '../endpoint/index.ts';
import {
  decodeServerNotification,
  isFailure,
  parseMessage,
  type RequestMethod,
  type RequestParamsOf,
  type RequestResults,
  RpcError,
  RpcErrorCode,
  type ServerNotification,
} from '../proto/rpc/index.ts';
import { ConnectionLostError } from './errors.ts';
import { messageText } from './message-text.ts';
import { readOutputNotification } from './output-notification.ts';
import type { RpcTransport } from './transport.ts';

/** Takes each notification from the executor, typed once by its method. */
export type NotificationListener = (notification: ServerNotification) => void;

interface Pending {
  method: string;
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A JSON-RPC client over one RpcTransport. Every request gets a fresh
 * numeric id; answers settle the matching pending request. When the transport
 * closes, every pending request is rejected with ConnectionLostError, and
 * later requests fail at once, so no caller ever waits on a dead connection.
 */
export class RpcClient {
  readonly #transport: RpcTransport;
  readonly #pending = new Map<number, Pending>();
  readonly #notificationListeners = new Set<NotificationListener>();
  readonly #closeListeners = new Set<(reason: string) => void>();
  readonly #unsubscribe: Array<() => void>;
  #nextId = 1;
  #closedReason: string | undefined;

  constructor(transport: RpcTransport) {
    this.#transport = transport;
    this.#unsubscribe = [
      transport.onMessage((bytes) => this.#receive(bytes)),
      transport.onClose((reason) => this.#closed(reason)),
    ];
  }

  /** The reason the transport closed, or undefined while it is open. */
  get closedReason(): string | undefined {
    return this.#closedReason;
  }

  request<M extends RequestMethod>(method: M, params: RequestParamsOf<M>): Promise<RequestResults[M]> {
    if (this.#closedReason !== undefined) {
      return Promise.reject(new ConnectionLostError(this.#closedReason));
    }
    const id = this.#nextId++;
    return new Promise<RequestResults[M]>((resolve, reject) => {
      this.#pending.set(id, { method, resolve: resolve as (r: unknown) => void, reject });
      try {
        this.#transport.send(params === undefined ? { id, method } : { id, method, params });
      } catch (err) {
        this.#pending.delete(id);
        reject(sendFailure(err));
      }
    });
  }

  notify(method: string, params?: unknown): void {
    if (this.#closedReason !== undefined) throw new ConnectionLostError(this.#closedReason);
    try {
      this.#transport.send(params === undefined ? { method } : { method, params });
    } catch (err) {
      throw sendFailure(err);
    }
  }

  onNotification(listener: NotificationListener): () => void {
    this.#notificationListeners.add(listener);
    return () => this.#notificationListeners.delete(listener);
  }

  /** Fired once when the transport ends (by either side). */
  onClose(listener: (reason: string) => void): () => void {
    if (this.#closedReason !== undefined) {
      const reason = this.#closedReason;
      queueMicrotask(() => listener(reason));
      return () => {};
    }
    this.#closeListeners.add(listener);
    return () => this.#closeListeners.delete(listener);
  }

  /** Stops taking messages from the transport (receive backpressure); answers wait too. */
  pauseReceiving(): void {
    if (this.#closedReason === undefined) this.#transport.pauseReceiving();
  }

  resumeReceiving(): void {
    if (this.#closedReason === undefined) this.#transport.resumeReceiving();
  }

  close(reason = 'closed'): void {
    if (this.#closedReason !== undefined) return;
    this.#transport.close(reason);
    // A transport reports its own close asynchronously at best; settle now.
    this.#closed(reason);
  }

  #receive(bytes: Uint8Array): void {
    // Bulk output is read from its bytes; everything else is parsed as text.
    const output = readOutputNotification(bytes);
    if (output !== undefined) {
      for (const listener of [...this.#notificationListeners]) listener(output);
      return;
    }
    const parsed = parseMessage(messageText(bytes));
    switch (parsed.kind) {
      case 'response': {
        const { id } = parsed.message;
        const pending = typeof id === 'number' ? this.#pending.get(id) : undefined;
        if (pending === undefined || typeof id !== 'number') return;
        this.#pending.delete(id);
        if (isFailure(parsed.message)) {
          const { code, message, data } = parsed.message.error;
          pending.reject(new RpcError(code, message, data));
        } else {
          pending.resolve(parsed.message.result);
        }
        return;
      }
      case 'notification': {
        // Unknown methods and params of the wrong shape are dropped here, once, for every listener.
        const decoded = decodeServerNotification(parsed.message.method, parsed.message.params);
        if (decoded === undefined || !decoded.ok) return;
        for (const listener of [...this.#notificationListeners]) listener(decoded.notification);
        return;
      }
      case 'request':
        // The executor never calls the harness; answer so it is not left waiting.
        this.#safeSend({
          id: parsed.message.id,
          error: {
            code: RpcErrorCode.MethodNotFound,
            message: `harness has no method ${parsed.message.method}`,
          },
        });
        return;
      case 'invalid':
        // Malformed input from the executor cannot be answered meaningfully; drop it.
        return;
    }
  }

  #safeSend(message: object): void {
    try {
      this.#transport.send(message);
    } catch {
      // The transport is closing; its close event settles everything.
    }
  }

  #closed(reason: string): void {
    if (this.#closedReason !== undefined) return;
    this.#closedReason = reason;
    for (const off of this.#unsubscribe) off();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(new ConnectionLostError(`${reason} (while waiting for ${p.method})`));
    const listeners = [...this.#closeListeners];
    this.#closeListeners.clear();
    for (const listener of listeners) listener(reason);
  }
}

/** A send on a reset stream means the connection is gone; anything else (a message too large) is the caller's. */
function sendFailure(err: unknown): Error {
  return err instanceof StreamClosedError ? new ConnectionLostError(err.message) : (err as Error);
}
