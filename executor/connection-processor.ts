import type { Logger } from 'pino';
import {
  INITIALIZED_NOTIFICATION,
  isRequestMethod,
  parseMessage,
  type RequestId,
  type RequestMethod,
  RpcError,
  RpcErrorCode,
  type ValidatedParams,
  validateParams,
} from '../proto/rpc/index.ts';
import { ENCODED_JSON, type MaybeEncoded, messageText, type RpcTransport } from '../rpc/index.ts';
import { AfterReply } from './after-reply.ts';
import { HttpRequests } from './http/http-requests.ts';
import { inlineBytesOf } from './limits.ts';
import { METHODS, type MethodContext, type MethodFamily } from './method-table.ts';
import { EvictedOutputError } from './process/output-log.ts';
import { ReplyFlow, type Reservation } from './reply-flow.ts';
import { invalidRequest } from './rpc-error.ts';
import type { Session } from './session.ts';
import type { SessionOwner, SessionTable } from './session-table.ts';

type Phase = 'awaitingInitialize' | 'awaitingInitialized' | 'ready' | 'closed';

type ErrorBody = { code: number; message: string; data?: unknown };

/** One request in progress: the room reserved for its answer, if it is a large one. */
interface InProgress {
  reservation?: Reservation;
}

/**
 * The JSON-RPC processor of one connection (local WebSocket or relay
 * stream): lifecycle, dispatch and error mapping, answers paced by the
 * connection's send window. Sessions live in the executor's session table
 * and outlive the connection.
 */
export class ConnectionProcessor {
  readonly #transport: RpcTransport;
  readonly #sessions: SessionTable;
  readonly #logger: Logger;
  readonly #http: HttpRequests;
  readonly #replies: ReplyFlow;
  readonly #owner: SessionOwner;
  /** The largest answer the transport carries (a legacy relay stream: one frame). */
  readonly #maxAnswerBytes: number;
  #phase: Phase = 'awaitingInitialize';
  #session: Session | null = null;

  /** `owner`: who the connection was authenticated as; its sessions are theirs. */
  constructor(transport: RpcTransport, sessions: SessionTable, logger: Logger, owner: SessionOwner) {
    this.#transport = transport;
    this.#sessions = sessions;
    this.#logger = logger;
    this.#owner = owner;
    this.#replies = new ReplyFlow(transport, sessions.pendingReplies, sessions.limits.maxPendingReplyBytes);
    this.#maxAnswerBytes = transport.maxMessageBytes ?? Number.POSITIVE_INFINITY;
    this.#http = new HttpRequests(transport, inlineBytesOf(sessions.limits, this.#maxAnswerBytes));
    transport.onMessage((bytes) => this.#onMessage(messageText(bytes)));
    transport.onClose((reason) => this.#onClose(reason));
  }

  get sessionId(): string | null {
    return this.#session?.id ?? null;
  }

  #onClose(reason: string): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#logger.info({ sessionId: this.#session?.id, reason }, 'connection closed');
    this.#replies.close();
    this.#http.abortAll();
    if (this.#session) this.#sessions.detach(this.#session);
  }

  #onMessage(text: string): void {
    if (this.#phase === 'closed') return;
    const parsed = parseMessage(text, this.#sessions.limits.maxMessageBytes);
    switch (parsed.kind) {
      case 'invalid':
        // Not its error text: JSON.parse quotes the message, which may hold a session id or a secret.
        this.#logger.warn({ bytes: text.length }, 'malformed message');
        this.#reply(parsed.error.id, { error: parsed.error.error });
        return;
      case 'response':
        return;
      case 'notification':
        if (parsed.message.method === INITIALIZED_NOTIFICATION && this.#phase === 'awaitingInitialized') {
          this.#phase = 'ready';
        } else {
          this.#logger.debug({ method: parsed.message.method, phase: this.#phase }, 'notification ignored');
        }
        return;
      case 'request': {
        const { id, method, params } = parsed.message;
        const request: InProgress = {};
        this.#handle(method, params, request).then(
          (result) => {
            if (!(result instanceof AfterReply)) return this.#reply(id, { result }, request);
            this.#reply(id, { result: result.result }, request);
            result.start();
          },
          (err: unknown) => this.#reply(id, { error: this.#toError(method, err) }, request),
        );
      }
    }
  }

  #reply(id: RequestId, body: { result: unknown } | { error: ErrorBody }, request: InProgress = {}) {
    const { reservation } = request;
    request.reservation = undefined;
    if (this.#phase === 'closed') {
      if (reservation) this.#replies.cancel(reservation);
      return;
    }
    try {
      this.#replies.send(response(id, body), reservation);
    } catch (err) {
      // The answer could not be sent (too large for the transport, or the stream just closed).
      this.#logger.warn({ id, err: (err as Error).message }, 'reply not sent');
      if (!('result' in body)) return;
      this.#reply(id, {
        error: { code: RpcErrorCode.InternalError, message: `reply not sent: ${(err as Error).message}` },
      });
    }
  }

  #toError(method: string, err: unknown): ErrorBody {
    if (err instanceof RpcError) {
      return err.data === undefined
        ? { code: err.code, message: err.message }
        : { code: err.code, message: err.message, data: err.data };
    }
    if (err instanceof EvictedOutputError) {
      return {
        code: RpcErrorCode.OutputGap,
        message: err.message,
        data: { firstRetainedSeq: err.firstRetainedSeq },
      };
    }
    this.#logger.error({ method, err }, 'request failed');
    return {
      code: RpcErrorCode.InternalError,
      message: `${method} failed: ${(err as Error).message ?? String(err)}`,
    };
  }

  async #handle(method: string, rawParams: unknown, request: InProgress): Promise<unknown> {
    if (!isRequestMethod(method)) {
      throw new RpcError(
        RpcErrorCode.MethodNotFound,
        `exec-server stub does not implement \`${method}\` yet`,
      );
    }
    if (method === 'initialize') {
      if (this.#phase !== 'awaitingInitialize') {
        throw invalidRequest('initialize may only be sent once per connection');
      }
      return this.#initialize(validated('initialize', rawParams));
    }
    // The table pairs each method with its own params type; a union of such functions cannot be called.
    const { family, run } = METHODS[method] as {
      family: MethodFamily;
      run: (params: unknown, context: MethodContext) => unknown;
    };
    if (this.#phase === 'awaitingInitialize') {
      throw invalidRequest(`client must call initialize before using ${family} methods`);
    }
    if (this.#phase !== 'ready')
      throw invalidRequest(`client must send initialized before using ${family} methods`);
    const session = this.#requireSession();
    const replies = this.#replies;
    const context: MethodContext = {
      session,
      http: this.#http,
      limits: this.#sessions.limits,
      maxAnswerBytes: this.#maxAnswerBytes,
      // Made only when a method asks: most never do.
      get signal() {
        return AbortSignal.any([replies.signal, session.signal]);
      },
      reserveReply: async (bytes) => {
        const held = request.reservation;
        request.reservation = undefined;
        request.reservation = held ? await replies.resize(held, bytes) : await replies.reserve(bytes);
      },
    };
    return run(validated(method, rawParams), context);
  }

  #initialize(params: ValidatedParams<'initialize'>): { sessionId: string } {
    const session =
      params.resumeSessionId !== undefined
        ? this.#sessions.resume(params.resumeSessionId, this.#transport, this.#owner)
        : this.#sessions.create(this.#transport, this.#owner);
    this.#session = session;
    this.#phase = 'awaitingInitialized';
    this.#logger.info({ sessionId: session.id, clientName: params.clientName }, 'initialized');
    return { sessionId: session.id };
  }

  #requireSession(): Session {
    if (!this.#session) throw invalidRequest('no session on this connection');
    return this.#session;
  }
}

/** The answer message; a result that carries its own JSON text is spliced in as it is. */
function response(id: RequestId, body: { result: unknown } | { error: ErrorBody }): object {
  const message = { id, ...body };
  const encoded = 'result' in body ? (body.result as MaybeEncoded | null)?.[ENCODED_JSON] : undefined;
  if (encoded === undefined) return message;
  return { ...message, [ENCODED_JSON]: `{"id":${JSON.stringify(id)},"result":${encoded}}` };
}

function validated<M extends RequestMethod>(method: M, params: unknown): ValidatedParams<M> {
  const result = validateParams(method, params);
  if (!result.ok) throw new RpcError(RpcErrorCode.InvalidParams, result.message);
  return result.value as ValidatedParams<M>;
}
