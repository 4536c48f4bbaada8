import { setTimeout as sleep } from 'node:timers/promises';
import { FatalConnectError } from '../endpoint/index.ts';
import { protocolErrorReason, ResetReason } from '../proto/reset-reasons.ts';
import {
  INITIALIZED_NOTIFICATION,
  type RequestMethod,
  type RequestParamsOf,
  type RequestResults,
  RpcErrorCode,
} from '../proto/rpc/index.ts';
import { type NotificationListener, RpcClient, withSessionTag } from '../rpc/index.ts';
import { MAX_RECORD_PLAINTEXT } from '../secure/index.ts';
import { backoffDelay, type ReconnectPolicy } from './backoff.ts';
import type { Connector, OpenedConnection } from './connector.ts';
import {
  ClientClosedError,
  ConnectionLostError,
  HarnessConnectError,
  RpcError,
  SessionExpiredError,
} from './errors.ts';
import { openSession } from './session-opening.ts';

export type ResumableSessionState = 'open' | 'reconnecting' | 'failed' | 'closed';

/** Why a peer ends a stream whose message is larger than it will read. */
const MESSAGE_TOO_LARGE = protocolErrorReason('message_too_large');

/**
 * Whether a connection that ended with `reason` while `params` were in
 * flight may have been ended for the request's size: a cleartext executor
 * says so; a secure stream's reason names no cause, so any failure of it
 * counts for a request larger than one record.
 */
function endedForSize(reason: string, params: unknown): boolean {
  if (reason === MESSAGE_TOO_LARGE) return true;
  if (reason !== ResetReason.SecureRelayProtocolError) return false;
  return Buffer.byteLength(JSON.stringify(params ?? null)) > MAX_RECORD_PLAINTEXT;
}

export interface ResumableSessionOptions {
  clientName: string;
  reconnect: ReconnectPolicy;
  /** The first `initialize` must be answered within this time (an executor that is not there never answers). */
  firstAnswerTimeoutMs: number;
}

interface Waiter {
  resolve: (rpc: RpcClient) => void;
  reject: (error: Error) => void;
}

/**
 * One exec-server session that outlives its connections. When a connection
 * ends (dropped socket, reset stream) it opens a new one with backoff and
 * re-attaches with `initialize{resumeSessionId}`; requests sent through
 * `request` wait for that and are sent again. Listeners of `onResumed` then
 * catch up whatever the lost connection may have swallowed.
 */
export class ResumableSession {
  readonly #connector: Connector;
  readonly #options: ResumableSessionOptions;
  readonly #notificationListeners = new Set<NotificationListener>();
  readonly #resumedListeners = new Set<() => void>();
  readonly #failedListeners = new Set<(error: Error) => void>();
  readonly #waiters = new Set<Waiter>();
  #rpc: RpcClient;
  #state: ResumableSessionState = 'open';
  #failure: Error | undefined;
  #sessionId: string;
  #streamId: string | undefined;
  #resumes = 0;
  #receivePaused = false;

  private constructor(
    connector: Connector,
    options: ResumableSessionOptions,
    rpc: RpcClient,
    sessionId: string,
    streamId: string | undefined,
  ) {
    this.#connector = connector;
    this.#options = options;
    this.#rpc = rpc;
    this.#sessionId = sessionId;
    this.#streamId = streamId;
    this.#adopt(rpc);
    connector.onFatal((error) => this.#fail(error));
  }

  /** Opens the first connection and initializes a new session; connect errors are thrown as they are. */
  static async open(connector: Connector, options: ResumableSessionOptions): Promise<ResumableSession> {
    const { rpc, sessionId, streamId } = await openSession(connector, options);
    return new ResumableSession(connector, options, rpc, sessionId, streamId);
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** The relay stream of the current connection (relay mode), for diagnostics. */
  get streamId(): string | undefined {
    return this.#streamId;
  }

  get state(): ResumableSessionState {
    return this.#state;
  }

  /** How many times the session was re-attached on a new connection. */
  get resumeCount(): number {
    return this.#resumes;
  }

  /** Sends once on the current connection; a lost connection surfaces as ConnectionLostError. */
  async requestOnce<M extends RequestMethod>(
    method: M,
    params: RequestParamsOf<M>,
  ): Promise<RequestResults[M]> {
    const rpc = await this.connected();
    return rpc.request(method, params);
  }

  /**
   * Sends the request and, if the connection is lost before the answer, sends
   * it again on the resumed session. Only for requests that are safe to repeat.
   */
  async request<M extends RequestMethod>(method: M, params: RequestParamsOf<M>): Promise<RequestResults[M]> {
    let endedForSizeBefore = false;
    for (;;) {
      const rpc = await this.connected();
      try {
        return await rpc.request(method, params);
      } catch (err) {
        // Retry only on a connection that really ended, so a failure can never spin here.
        if (!(err instanceof ConnectionLostError) || rpc.closedReason === undefined) throw err;
        // The executor ends a stream whose message it will not read; the same message would end the next one.
        if (endedForSize(rpc.closedReason, params)) {
          if (endedForSizeBefore) throw err;
          endedForSizeBefore = true;
        }
      }
    }
  }

  /** Resolves with the live connection, waiting through a reconnect; rejects once the session failed or closed. */
  connected(): Promise<RpcClient> {
    if (this.#state === 'open') return Promise.resolve(this.#rpc);
    if (this.#state === 'closed') return Promise.reject(new ClientClosedError());
    if (this.#state === 'failed') return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => this.#waiters.add({ resolve, reject }));
  }

  onNotification(listener: NotificationListener): () => void {
    this.#notificationListeners.add(listener);
    return () => this.#notificationListeners.delete(listener);
  }

  /** Fired after each re-attach on a new connection. */
  onResumed(listener: () => void): () => void {
    this.#resumedListeners.add(listener);
    return () => this.#resumedListeners.delete(listener);
  }

  /** Fired once when the session can no longer be used (expired, gave up reconnecting). */
  onFailed(listener: (error: Error) => void): () => void {
    this.#failedListeners.add(listener);
    return () => this.#failedListeners.delete(listener);
  }

  /**
   * Receive backpressure for the whole session: the current connection stops
   * (or resumes) taking messages, and a connection adopted after a reconnect
   * starts in the same state (after its `initialize` was answered).
   */
  pauseReceiving(): void {
    if (this.#receivePaused) return;
    this.#receivePaused = true;
    this.#rpc.pauseReceiving();
  }

  resumeReceiving(): void {
    if (!this.#receivePaused) return;
    this.#receivePaused = false;
    this.#rpc.resumeReceiving();
  }

  async close(): Promise<void> {
    if (this.#state === 'closed') return;
    const wasLive = this.#state !== 'failed';
    this.#state = 'closed';
    this.#rejectWaiters(new ClientClosedError());
    this.#rpc.close('closed');
    if (wasLive) for (const listener of [...this.#failedListeners]) listener(new ClientClosedError());
    await this.#connector.close();
  }

  #adopt(rpc: RpcClient): void {
    this.#rpc = rpc;
    if (this.#receivePaused) rpc.pauseReceiving();
    rpc.onNotification((notification) => {
      for (const listener of [...this.#notificationListeners]) listener(notification);
    });
    rpc.onClose((reason) => {
      if (this.#rpc !== rpc || this.#state !== 'open') return;
      this.#state = 'reconnecting';
      void this.#reconnect(reason);
    });
  }

  async #reconnect(lostReason: string): Promise<void> {
    const started = performance.now();
    let lastError = lostReason;
    for (let attempt = 0; ; attempt++) {
      if (this.#state !== 'reconnecting') return;
      if (performance.now() - started > this.#options.reconnect.giveUpAfterMs) {
        this.#fail(
          new ConnectionLostError(
            `gave up reconnecting to ${this.#connector.target} after ${this.#options.reconnect.giveUpAfterMs} ms (last error: ${lastError})`,
          ),
        );
        return;
      }
      // The first attempt goes at once: a reset stream or a dropped socket is usually recoverable right away.
      if (attempt > 0) await sleep(backoffDelay(this.#options.reconnect, attempt - 1, Math.random()));
      if (this.#state !== 'reconnecting') return;
      const outcome = await this.#tryResume();
      if (outcome.kind === 'resumed') return;
      if (outcome.kind === 'fatal') {
        this.#fail(outcome.error);
        return;
      }
      lastError = withSessionTag(outcome.error.message, this.#sessionId);
    }
  }

  async #tryResume(): Promise<{ kind: 'resumed' } | { kind: 'retry' | 'fatal'; error: Error }> {
    let rpc: RpcClient | undefined;
    let connection: OpenedConnection;
    try {
      connection = await this.#connector.open();
      rpc = new RpcClient(connection.transport);
      await rpc.request('initialize', {
        clientName: this.#options.clientName,
        resumeSessionId: this.#sessionId,
      });
      rpc.notify(INITIALIZED_NOTIFICATION, {});
    } catch (err) {
      rpc?.close('resume_failed');
      const error = err as Error;
      const hopeless =
        error instanceof HarnessConnectError ? !error.retryable : error instanceof FatalConnectError;
      if (hopeless) return { kind: 'fatal', error };
      if (error instanceof RpcError && error.code === RpcErrorCode.InvalidRequest) {
        return { kind: 'fatal', error: new SessionExpiredError(this.#sessionId, error.message) };
      }
      // Attached elsewhere: the executor has not yet noticed the old connection died.
      return { kind: 'retry', error };
    }
    if (this.#state !== 'reconnecting') {
      rpc.close('closed');
      return { kind: 'resumed' };
    }
    this.#resumes++;
    this.#streamId = connection.streamId;
    this.#adopt(rpc);
    this.#state = 'open';
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.resolve(rpc);
    for (const listener of [...this.#resumedListeners]) listener();
    return { kind: 'resumed' };
  }

  #fail(error: Error): void {
    if (this.#state === 'failed' || this.#state === 'closed') return;
    this.#state = 'failed';
    this.#failure = error;
    this.#rpc.close('session_failed');
    this.#rejectWaiters(error);
    for (const listener of [...this.#failedListeners]) listener(error);
  }

  #rejectWaiters(error: Error): void {
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const w of waiters) w.reject(error);
  }
}
