/**
 * The wire contracts (DESIGN.md §2, §5): the relay frame codec, JSON-RPC
 * messages and methods with their validation, the registry contract, close
 * codes and reset reasons.
 */
export { CloseCode } from './close-codes.ts';
export * from './codec/index.ts';
export * from './registry.ts';
export { protocolErrorReason, ResetReason } from './reset-reasons.ts';
export * from './rpc/index.ts';
