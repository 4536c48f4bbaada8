import { RpcErrorCode } from '../proto/rpc/index.ts';

/** A failure a handler reports to the client as a JSON-RPC error. */
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

export const invalidRequest = (message: string) => new RpcError(RpcErrorCode.InvalidRequest, message);
export const invalidParams = (message: string) => new RpcError(RpcErrorCode.InvalidParams, message);
export const internalError = (message: string) => new RpcError(RpcErrorCode.InternalError, message);
