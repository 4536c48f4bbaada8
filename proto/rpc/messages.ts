import { z } from 'zod';
import { MALFORMED_REQUEST_ID, RpcErrorCode } from './errors.ts';
import { jsonLimitExceeded, requestIdOf } from './json-limits.ts';

/**
 * JSON-RPC envelopes without the `"jsonrpc"` member (accepted if present).
 * Ids are numbers or strings.
 */
export type RequestId = number | string;

export interface RpcRequest {
  id: RequestId;
  method: string;
  params?: unknown;
}
export interface RpcNotification {
  method: string;
  params?: unknown;
}
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}
export interface RpcSuccess {
  id: RequestId;
  result: unknown;
}
export interface RpcFailure {
  id: RequestId;
  error: RpcErrorObject;
}
export type RpcResponse = RpcSuccess | RpcFailure;
export type RpcMessage = RpcRequest | RpcNotification | RpcResponse;

const requestId = z.union([z.number(), z.string()]);
const jsonrpcTag = { jsonrpc: z.literal('2.0').optional() };

const requestSchema = z.object({
  ...jsonrpcTag,
  id: requestId,
  method: z.string(),
  params: z.unknown().optional(),
});
const notificationSchema = z.object({ ...jsonrpcTag, method: z.string(), params: z.unknown().optional() });
const successSchema = z.object({ ...jsonrpcTag, id: requestId, result: z.unknown() });
const failureSchema = z.object({
  ...jsonrpcTag,
  id: requestId,
  error: z.object({ code: z.number().int(), message: z.string(), data: z.unknown().optional() }),
});

export type ParsedMessage =
  | { kind: 'request'; message: RpcRequest }
  | { kind: 'notification'; message: RpcNotification }
  | { kind: 'response'; message: RpcResponse }
  | { kind: 'invalid'; error: RpcFailure };

function invalid(code: number, message: string, id: RequestId = MALFORMED_REQUEST_ID): ParsedMessage {
  return { kind: 'invalid', error: { id, error: { code, message } } };
}

function strip<T extends { jsonrpc?: unknown; params?: unknown }>(m: T): Omit<T, 'jsonrpc'> {
  const { jsonrpc: _ignored, ...rest } = m;
  if (rest.params === undefined) delete rest.params;
  return rest;
}

/** The UTF-8 size of `text`, in bytes. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // Two bytes up to U+07FF, three above; a surrogate pair (two characters) makes four.
    bytes += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2;
  }
  return bytes;
}

/**
 * Classifies one inbound JSON-RPC message (text). Malformed input, or a
 * message over the JSON value and nesting limits (checked before parsing),
 * → an error with id -1. A message over `maxBytes` (UTF-8) is not parsed
 * either; its error carries the request's id when the id can be read, so
 * that the request it was is answered.
 */
export function parseMessage(text: string, maxBytes = Number.POSITIVE_INFINITY): ParsedMessage {
  // At least a UTF-8 byte per character, at most three: count exactly only when it can matter.
  if (text.length > maxBytes || (text.length * 3 > maxBytes && utf8Length(text) > maxBytes)) {
    return invalid(
      RpcErrorCode.InvalidRequest,
      `JSON-RPC message exceeds the limit of ${maxBytes} bytes`,
      requestIdOf(text),
    );
  }
  const overLimit = jsonLimitExceeded(text);
  if (overLimit !== undefined) return invalid(RpcErrorCode.InvalidRequest, overLimit);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return invalid(RpcErrorCode.InvalidRequest, `malformed JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return invalid(RpcErrorCode.InvalidRequest, 'a JSON-RPC message must be a JSON object');
  }
  const obj = value as Record<string, unknown>;
  if ('method' in obj) {
    if ('id' in obj) {
      const r = requestSchema.safeParse(obj);
      if (r.success) return { kind: 'request', message: strip(r.data) };
      return invalid(RpcErrorCode.InvalidRequest, `malformed request: ${z.prettifyError(r.error)}`);
    }
    const n = notificationSchema.safeParse(obj);
    if (n.success) return { kind: 'notification', message: strip(n.data) };
    return invalid(RpcErrorCode.InvalidRequest, `malformed notification: ${z.prettifyError(n.error)}`);
  }
  if ('error' in obj) {
    const f = failureSchema.safeParse(obj);
    if (f.success) return { kind: 'response', message: strip(f.data) };
    return invalid(RpcErrorCode.InvalidRequest, `malformed error response: ${z.prettifyError(f.error)}`);
  }
  if ('result' in obj) {
    const s = successSchema.safeParse(obj);
    if (s.success) return { kind: 'response', message: strip(s.data) };
    return invalid(RpcErrorCode.InvalidRequest, `malformed response: ${z.prettifyError(s.error)}`);
  }
  return invalid(RpcErrorCode.InvalidRequest, 'message has neither method, result nor error');
}

export function isFailure(response: RpcResponse): response is RpcFailure {
  return 'error' in response;
}
