import { z } from 'zod';
import { base64, flag, optional, unsigned } from './schema.ts';

/** `http/request` and its streamed body (DESIGN.md §5). */
export const HttpHeader = z.object({ name: z.string(), value: z.string() });
export type HttpHeader = z.infer<typeof HttpHeader>;

export const HttpRequestParams = z.object({
  method: z.string(),
  url: z.string(),
  headers: optional(z.array(HttpHeader)).transform((headers) => headers ?? []),
  bodyBase64: optional(base64),
  /** Absent or null: no timeout. Covers connecting, the headers and the whole body. */
  timeoutMs: optional(unsigned),
  redirectPolicy: optional(z.enum(['follow', 'stop'])).transform((policy) => policy ?? 'follow'),
  /** Names the `http/request/bodyDelta` stream; unique among the connection's active streams. */
  requestId: z.string(),
  streamResponse: flag,
});

export interface HttpRequestResult {
  status: number;
  headers: HttpHeader[];
  /** The whole body; empty when the body is streamed. */
  bodyBase64: string;
}

export const HttpRequestBodyDeltaNotification = z.object({
  requestId: z.string(),
  /** 1-based, one per delta. */
  seq: z.number().int().min(1),
  deltaBase64: z.string(),
  /** The last delta: the body ended, or failed with `error`. */
  done: flag,
  error: optional(z.string()).transform((error) => error ?? null),
});
export type HttpRequestBodyDeltaNotification = z.output<typeof HttpRequestBodyDeltaNotification>;
