import type { IncomingMessage } from 'node:http';
import { type HttpRequestResult, RpcError, type ValidatedParams } from '../../proto/rpc/index.ts';
import type { RpcTransport } from '../../rpc/index.ts';
import { AfterReply } from '../after-reply.ts';
import { withBase64Json } from '../encoded-result.ts';
import { inlineAnswerBytes } from '../limits.ts';
import { internalError, invalidParams } from '../rpc-error.ts';
import { exchange, responseHeaders } from './http-exchange.ts';
import { httpRequestSpec } from './http-request-spec.ts';

const MAX_TIMER_MS = 2 ** 31 - 1;
/** Upstream's bound on one `http/request/bodyDelta`. */
export const MAX_BODY_DELTA_BYTES = 1024 * 1024;

class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`the body is larger than ${limit} bytes (max-inline-bytes); ask for streamResponse`);
  }
}

/** Why a request failed: the abort reason (timeout, lost connection, size) over the error it caused. */
function reason(err: unknown, signal: AbortSignal): string {
  if (signal.aborted) return (signal.reason as Error).message;
  return (err as Error).message ?? String(err);
}

/**
 * The `http/request` calls of one connection. A buffered answer carries the
 * whole body (up to `maxBodyBytes`, read only once its answer has room); a
 * streamed one carries the headers, then the body follows as
 * `http/request/bodyDelta` notifications, paced by the transport: while it
 * is backed up the response is not read. Everything in flight is aborted
 * when the connection ends.
 */
export class HttpRequests {
  readonly #transport: RpcTransport;
  readonly #maxBodyBytes: number;
  readonly #inFlight = new Set<AbortController>();
  /** requestIds of the streams still sending deltas. */
  readonly #streaming = new Set<string>();

  constructor(transport: RpcTransport, maxBodyBytes: number) {
    this.#transport = transport;
    this.#maxBodyBytes = maxBodyBytes;
  }

  /** `reserveReply` waits until a buffered answer of that many bytes has room (see ReplyFlow). */
  async request(
    params: ValidatedParams<'http/request'>,
    reserveReply: (bytes: number) => Promise<void>,
  ): Promise<HttpRequestResult | AfterReply> {
    const spec = httpRequestSpec(params);
    const { requestId, streamResponse } = params;
    if (streamResponse && this.#streaming.has(requestId)) {
      throw invalidParams(`http/request streamResponse requestId \`${requestId}\` is already active`);
    }
    const controller = new AbortController();
    this.#inFlight.add(controller);
    // Beyond what a timer can hold (about 24.8 days) a deadline is as good as none.
    const timer =
      spec.timeoutMs === undefined || spec.timeoutMs > MAX_TIMER_MS
        ? undefined
        : setTimeout(
            () => controller.abort(new Error(`timed out after ${spec.timeoutMs} ms`)),
            spec.timeoutMs,
          );
    const settle = () => {
      clearTimeout(timer);
      this.#inFlight.delete(controller);
    };
    if (streamResponse) this.#streaming.add(requestId);
    let response: IncomingMessage;
    try {
      response = await exchange(spec, controller.signal);
    } catch (err) {
      settle();
      this.#streaming.delete(requestId);
      throw internalError(`http/request failed: ${reason(err, controller.signal)}`);
    }
    const head = { status: response.statusCode ?? 0, headers: responseHeaders(response) };
    if (!streamResponse) {
      try {
        const announced = Number(response.headers['content-length'] ?? this.#maxBodyBytes);
        await reserveReply(inlineAnswerBytes(Math.min(announced, this.#maxBodyBytes)));
        const body = await readBody(response, controller, this.#maxBodyBytes);
        return withBase64Json({ ...head, bodyBase64: body.toString('base64') }, 'bodyBase64');
      } catch (err) {
        if (err instanceof RpcError) throw err;
        throw internalError(`failed to read http/request response body: ${reason(err, controller.signal)}`);
      } finally {
        settle();
      }
    }
    return new AfterReply({ ...head, bodyBase64: '' }, () =>
      this.#streamBody(requestId, response, controller.signal, () => {
        settle();
        this.#streaming.delete(requestId);
      }),
    );
  }

  abortAll(): void {
    for (const controller of this.#inFlight) controller.abort(new Error('the connection ended'));
  }

  #streamBody(requestId: string, response: IncomingMessage, signal: AbortSignal, done: () => void): void {
    const transport = this.#transport;
    let seq = 0;
    let finished = false;
    let stopWatching: (() => void) | undefined;
    const sendDelta = (delta: Buffer, last: { error: string | null } | null) => {
      const params = { requestId, seq: ++seq, deltaBase64: delta.toString('base64'), done: last !== null };
      transport.send({ method: 'http/request/bodyDelta', params: { ...params, error: last?.error ?? null } });
    };
    const finish = (error: string | null) => {
      if (finished) return;
      finished = true;
      response.removeAllListeners('data');
      stopWatching?.();
      done();
      try {
        sendDelta(Buffer.alloc(0), { error });
      } catch {
        // The connection is gone; so is everyone who would read the end.
      }
    };
    response.on('data', (data: Buffer) => {
      try {
        for (let at = 0; at < data.length; at += MAX_BODY_DELTA_BYTES) {
          sendDelta(data.subarray(at, at + MAX_BODY_DELTA_BYTES), null);
        }
      } catch {
        return response.destroy(new Error('the connection ended'));
      }
      if (!transport.writable && stopWatching === undefined) {
        response.pause();
        stopWatching = transport.onWritable(() => {
          stopWatching?.();
          stopWatching = undefined;
          response.resume();
        });
      }
    });
    response.once('end', () => finish(null));
    response.once('error', (err) => finish(reason(err, signal)));
    response.once('close', () => finish(reason(new Error('the response ended early'), signal)));
    response.resume();
  }
}

/** The whole body, or BodyTooLargeError past `limit` (which also aborts the request). */
function readBody(response: IncomingMessage, controller: AbortController, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    response.on('data', (data: Buffer) => {
      size += data.length;
      if (size <= limit) return parts.push(data);
      const error = new BodyTooLargeError(limit);
      reject(error);
      controller.abort(error);
    });
    response.once('end', () => resolve(Buffer.concat(parts)));
    response.once('error', reject);
    response.once('close', () => reject(new Error('the response ended early')));
  });
}
