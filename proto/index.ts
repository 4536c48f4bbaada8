/**
 * The wire contracts (DESIGN.md §2, §5, §9): the relay frame codec, JSON-RPC
 * messages and methods with their validation, the registry contract, the
 * secure relay's suite and key form, close codes and reset reasons.
 */
export { CloseCode } from './close-codes.ts';
export * from './codec/index.ts';
export * from './registry.ts';
export { protocolErrorReason, ResetReason } from './reset-reasons.ts';
export * from './rpc/index.ts';
export * from './secure-relay.ts';
