import { randomUUID } from 'node:crypto';
import type { HttpHeader, HttpRequestBodyDeltaNotification, HttpRequestResult } from '../proto/rpc/index.ts';
import type { RpcClient } from '../rpc/index.ts';
import type { ByteCounter } from './output-backlog.ts';
import { OutputQueue } from './output-queue.ts';
import type { ResumableSession } from './resumable-session.ts';

export interface HttpRequestOptions {
  url: string;
  /** Default GET. */
  method?: string;
  /** In order; repeated names are kept. */
  headers?: HttpHeader[];
  body?: Uint8Array | string;
  /** Covers the whole exchange, a streamed body included; unset means no timeout. */
  timeoutMs?: number;
  /** Default `follow`. */
  redirect?: 'follow' | 'stop';
}

export interface HttpResponseHead {
  status: number;
  headers: HttpHeader[];
}

export interface BufferedHttpResponse extends HttpResponseHead {
  body: Buffer;
}

export interface StreamedHttpResponse extends HttpResponseHead {
  /** The body as it arrives; iterate it once. It throws if the body failed or its connection was lost. */
  body: AsyncIterable<Uint8Array>;
}

interface BodyStream {
  queue: OutputQueue<Uint8Array>;
  rpc: RpcClient;
  nextSeq: number;
}

/**
 * `http/request` on the executor. A streamed body arrives as
 * `http/request/bodyDelta` notifications, in seq order on the connection
 * the request went out on; unread body counts against the client's output
 * backlog, so a body nobody reads pauses the connection like unread output.
 */
export class RemoteHttp {
  readonly #session: ResumableSession;
  readonly #backlog: ByteCounter;
  readonly #streams = new Map<string, BodyStream>();

  constructor(session: ResumableSession, backlog: ByteCounter) {
    this.#session = session;
    this.#backlog = backlog;
    // A body's deltas come only on its own connection: after a resume, the streams of the old one are lost.
    session.onResumed(() => this.#failWhere((s) => s.rpc.closedReason !== undefined));
    session.onFailed((error) => this.#failWhere(() => true, error));
  }

  async buffered(options: HttpRequestOptions): Promise<BufferedHttpResponse> {
    const { status, headers, bodyBase64 } = await this.#send(options, randomUUID(), false);
    return { status, headers, body: Buffer.from(bodyBase64, 'base64') };
  }

  /** The body is registered before the request goes out, on the connection it goes out on. */
  async streamed(options: HttpRequestOptions): Promise<StreamedHttpResponse> {
    const requestId = randomUUID();
    const rpc = await this.#session.connected();
    const queue = new OutputQueue<Uint8Array>({ counter: this.#backlog, sizeOf: (chunk) => chunk.length });
    this.#streams.set(requestId, { queue, rpc, nextSeq: 1 });
    try {
      const { status, headers } = await this.#send(options, requestId, true, rpc);
      return { status, headers, body: queue };
    } catch (err) {
      this.#streams.delete(requestId);
      throw err;
    }
  }

  /** Sent once: a request with a body need not be safe to repeat. */
  async #send(
    options: HttpRequestOptions,
    requestId: string,
    streamResponse: boolean,
    rpc?: RpcClient,
  ): Promise<HttpRequestResult> {
    return (rpc ?? (await this.#session.connected())).request('http/request', {
      method: options.method ?? 'GET',
      url: options.url,
      headers: options.headers ?? [],
      bodyBase64: options.body === undefined ? null : Buffer.from(options.body).toString('base64'),
      ...(options.timeoutMs !== undefined && { timeoutMs: options.timeoutMs }),
      redirectPolicy: options.redirect ?? 'follow',
      requestId,
      streamResponse,
    });
  }

  /** Takes one `http/request/bodyDelta`. */
  ingest(delta: HttpRequestBodyDeltaNotification): void {
    const stream = this.#streams.get(delta.requestId);
    if (stream === undefined) return;
    if (delta.seq !== stream.nextSeq) {
      this.#end(delta.requestId, new Error(`body delta ${stream.nextSeq} of ${delta.requestId} is missing`));
      return;
    }
    stream.nextSeq++;
    const chunk = Buffer.from(delta.deltaBase64, 'base64');
    if (chunk.length > 0) stream.queue.push(chunk);
    if (delta.done) this.#end(delta.requestId, delta.error === null ? undefined : new Error(delta.error));
  }

  #end(requestId: string, error?: Error): void {
    this.#streams.get(requestId)?.queue.end(error);
    this.#streams.delete(requestId);
  }

  #failWhere(lost: (stream: BodyStream) => boolean, error?: Error): void {
    for (const [requestId, stream] of this.#streams) {
      if (lost(stream))
        this.#end(requestId, error ?? new Error(`the connection carrying body ${requestId} was lost`));
    }
  }
}
