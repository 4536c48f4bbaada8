/**
 * The JSON-RPC layer: one exec-server connection as a transport (a relay
 * stream or a local text WebSocket), request/response correlation, and each
 * notification typed once.
 */

export { base64Length, writeBase64 } from './base64-slices.ts';
export { type NotificationListener, RpcClient } from './client.ts';
export {
  ENCODED_JSON,
  ENCODED_UTF8,
  type MaybeEncoded,
  messageBytes,
  messageJson,
} from './encoded-message.ts';
export { ConnectionLostError } from './errors.ts';
export { messageText } from './message-text.ts';
export { OutputParams, outputChunk, readOutputNotification } from './output-notification.ts';
export { sessionTag, withSessionTag } from './session-tag.ts';
export { streamTransport } from './stream-transport.ts';
export type { RpcTransport } from './transport.ts';
export {
  DEFAULT_HIGH_WATER_BYTES,
  type WsTextTransportOptions,
  wsTextTransport,
} from './ws-text-transport.ts';
