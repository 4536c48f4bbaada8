/**
 * The relay endpoint: message streams over one relay socket (DESIGN.md §3),
 * reliable (ordered, exactly once, resumable), upstream's legacy relay, or
 * the secure relay's handshake and records (§9).
 * It moves opaque messages; what they mean is the layers above's business.
 */
export {
  ACK_WINDOW,
  DEFAULT_STREAM_CONFIG,
  FIXED_500MS_RTO,
  type RtoConfig,
  type StreamConfig,
} from './core/config.ts';
export { MessageTooLargeError, StreamClosedError } from './core/errors.ts';
export type { StreamEvent, StreamOutput, StreamState, StreamStats } from './core/events.ts';
export { LegacyStream } from './core/legacy-stream.ts';
export { ReassemblyBudget } from './core/reassembly-budget.ts';
export { ReliableStream } from './core/reliable-stream.ts';
export { SecureStream } from './core/secure-stream.ts';
export type { SecureGeneration, StreamCore, StreamKind } from './core/stream-core.ts';
export { Backoff, type BackoffOptions, jitteredDelay } from './live/backoff.ts';
export { type Clock, systemClock } from './live/clock.ts';
export { ENDPOINT_METRICS, type EndpointMetric, endpointMetricValues } from './live/endpoint-metrics.ts';
export type { EndpointStats, StreamTiming } from './live/endpoint-stats.ts';
export type { RelayLogger } from './live/logger.ts';
export type { MessageStream, RelayStream } from './live/message-stream.ts';
export type { AcceptedSecurity } from './mux/stream-kinds.ts';
export {
  DEFAULT_MAX_STREAMS,
  DEFAULT_MAX_STREAMS_PER_OWNER,
  type MuxOutput,
  StreamLimitError,
  StreamMux,
  type StreamMuxOptions,
} from './mux/stream-mux.ts';
export { type ConnectRelayOptions, connectRelay } from './ws/connect-relay.ts';
export { rawBytes } from './ws/raw-data.ts';
export { type ConnectionState, FatalConnectError, type RelayEndpoint } from './ws/relay-endpoint.ts';
export type { Reachability } from './ws/rendezvous-contact.ts';
export { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './ws/socket-binding.ts';
export { SocketRefusedError } from './ws/upgrade-refusal.ts';
