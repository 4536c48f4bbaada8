/** JSON-RPC error codes of the exec-server dialect (DESIGN.md §5). */
export const RpcErrorCode = {
  /** Out-of-order lifecycle, duplicate ids, unknown session, malformed messages (answered with id -1), … */
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  /** OS-level failure; the message carries the OS reason. */
  InternalError: -32603,
  /** A path that does not exist, or an unknown file read handle. */
  NotFound: -32004,
  /** The session to resume is attached to another connection. */
  SessionAttachedElsewhere: -32010,
  /** A reader asked for output that fell out of the retained window. */
  OutputGap: -32011,
} as const;

export type RpcErrorCodeValue = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** The id used when the request's own id cannot be read. */
export const MALFORMED_REQUEST_ID = -1;

/** A JSON-RPC error: raised by an executor handler, or answered to a harness request. Keeps code, message and data. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;

  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}
