import type { Logger } from 'pino';
import {
  type FsCopyParams,
  type FsCreateDirectoryParams,
  type FsPathParams,
  type FsRemoveParams,
  type FsWriteFileParams,
  INITIALIZED_NOTIFICATION,
  type InitializeParams,
  isRequestMethod,
  type ProcessIdParams,
  type ProcessReadParams,
  type ProcessResizeParams,
  type ProcessSignalParams,
  type ProcessStartParams,
  type ProcessWriteParams,
  parseMessage,
  type RequestId,
  type RequestMethod,
  RpcError,
  RpcErrorCode,
  validateParams,
} from '../proto/rpc/index.ts';
import type { RpcTransport } from '../rpc/index.ts';
import { environmentInfo } from './environment-info.ts';
import {
  fsCopy,
  fsCreateDirectory,
  fsGetMetadata,
  fsReadDirectory,
  fsReadFile,
  fsRemove,
  fsWriteFile,
} from './fs-methods.ts';
import { EvictedOutputError } from './process/output-log.ts';
import { invalidRequest } from './rpc-error.ts';
import type { Session } from './session.ts';
import type { SessionTable } from './session-table.ts';

/** Default cap of one `process/read` answer. */
const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

type Phase = 'awaitingInitialize' | 'awaitingInitialized' | 'ready' | 'closed';

/**
 * The JSON-RPC processor of one connection (local WebSocket or relay
 * stream): lifecycle, dispatch and error mapping. Sessions live in the
 * executor's session table and outlive the connection.
 */
export class ConnectionProcessor {
  readonly #transport: RpcTransport;
  readonly #sessions: SessionTable;
  readonly #logger: Logger;
  #phase: Phase = 'awaitingInitialize';
  #session: Session | null = null;

  constructor(transport: RpcTransport, sessions: SessionTable, logger: Logger) {
    this.#transport = transport;
    this.#sessions = sessions;
    this.#logger = logger;
    transport.onMessage((text) => this.#onMessage(text));
    transport.onClose((reason) => this.#onClose(reason));
  }

  get sessionId(): string | null {
    return this.#session?.id ?? null;
  }

  #onClose(reason: string): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#logger.info({ sessionId: this.#session?.id, reason }, 'connection closed');
    if (this.#session) this.#sessions.detach(this.#session);
  }

  #onMessage(text: string): void {
    if (this.#phase === 'closed') return;
    const parsed = parseMessage(text);
    switch (parsed.kind) {
      case 'invalid':
        this.#logger.warn({ error: parsed.error.error.message }, 'malformed message');
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
        this.#handle(method, params).then(
          (result) => this.#reply(id, { result }),
          (err: unknown) => this.#reply(id, { error: this.#toError(method, err) }),
        );
      }
    }
  }

  #reply(
    id: RequestId,
    body: { result: unknown } | { error: { code: number; message: string; data?: unknown } },
  ) {
    if (this.#phase === 'closed') return;
    try {
      this.#transport.send({ id, ...body });
    } catch (err) {
      // The answer could not be sent (too large for the transport, or the stream just closed).
      this.#logger.warn({ id, err: (err as Error).message }, 'reply not sent');
      if (!('result' in body)) return;
      this.#reply(id, {
        error: { code: RpcErrorCode.InternalError, message: `reply not sent: ${(err as Error).message}` },
      });
    }
  }

  #toError(method: string, err: unknown): { code: number; message: string; data?: unknown } {
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

  async #handle(method: string, rawParams: unknown): Promise<unknown> {
    if (!isRequestMethod(method))
      throw new RpcError(RpcErrorCode.MethodNotFound, `method not found: ${method}`);
    if (method === 'initialize') {
      if (this.#phase !== 'awaitingInitialize')
        throw invalidRequest('initialize was already called on this connection');
    } else if (this.#phase !== 'ready') {
      throw invalidRequest(
        this.#phase === 'awaitingInitialize'
          ? `${method} before initialize: send initialize, then the initialized notification`
          : `${method} before the initialized notification`,
      );
    }
    const validated = validateParams(method, rawParams);
    if (!validated.ok) throw new RpcError(RpcErrorCode.InvalidParams, validated.message);
    return this.#dispatch(method, validated.value);
  }

  #dispatch(method: RequestMethod, params: unknown): Promise<unknown> | unknown {
    switch (method) {
      case 'initialize':
        return this.#initialize(params as InitializeParams);
      case 'process/start':
        return this.#requireSession()
          .start(params as ProcessStartParams)
          .then((p) => ({ processId: p.processId }));
      case 'process/read': {
        const p = params as ProcessReadParams;
        return this.#process(p.processId).read(
          p.afterSeq ?? 0,
          p.maxBytes ?? DEFAULT_READ_MAX_BYTES,
          p.waitMs ?? 0,
        );
      }
      case 'process/write': {
        const p = params as ProcessWriteParams;
        const session = this.#requireSession();
        const proc = session.processes.get(p.processId);
        if (!proc) return { status: session.isStarting(p.processId) ? 'starting' : 'unknownProcess' };
        return { status: proc.write(Buffer.from(p.chunk, 'base64'), p.writeId) };
      }
      case 'process/closeStdin':
        this.#process((params as ProcessIdParams).processId).closeStdin();
        return {};
      case 'process/resize': {
        const p = params as ProcessResizeParams;
        this.#process(p.processId).resize(p.cols, p.rows);
        return {};
      }
      case 'process/signal': {
        const p = params as ProcessSignalParams;
        this.#process(p.processId).signal(p.signal);
        return {};
      }
      case 'process/terminate':
        return { running: this.#process((params as ProcessIdParams).processId).terminate() };
      case 'fs/readFile':
        return fsReadFile(params as FsPathParams);
      case 'fs/writeFile':
        return fsWriteFile(params as FsWriteFileParams);
      case 'fs/readDirectory':
        return fsReadDirectory(params as FsPathParams);
      case 'fs/getMetadata':
        return fsGetMetadata(params as FsPathParams);
      case 'fs/createDirectory':
        return fsCreateDirectory(params as FsCreateDirectoryParams);
      case 'fs/remove':
        return fsRemove(params as FsRemoveParams);
      case 'fs/copy':
        return fsCopy(params as FsCopyParams);
      case 'environment/info':
        return environmentInfo();
    }
  }

  #initialize(params: InitializeParams): { sessionId: string } {
    const session = params.resumeSessionId
      ? this.#sessions.resume(params.resumeSessionId, this.#transport)
      : this.#sessions.create(this.#transport);
    this.#session = session;
    this.#phase = 'awaitingInitialized';
    this.#logger.info({ sessionId: session.id, clientName: params.clientName }, 'initialized');
    return { sessionId: session.id };
  }

  #requireSession(): Session {
    if (!this.#session) throw invalidRequest('no session on this connection');
    return this.#session;
  }

  #process(processId: string) {
    const proc = this.#requireSession().processes.get(processId);
    if (!proc) throw invalidRequest(`unknown process id ${processId}`);
    return proc;
  }
}
