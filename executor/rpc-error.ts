import { RpcError, RpcErrorCode } from '../proto/rpc/index.ts';

export const invalidRequest = (message: string) => new RpcError(RpcErrorCode.InvalidRequest, message);
export const invalidParams = (message: string) => new RpcError(RpcErrorCode.InvalidParams, message);
export const internalError = (message: string) => new RpcError(RpcErrorCode.InternalError, message);
