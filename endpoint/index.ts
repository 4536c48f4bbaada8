export {
  type ConnectionState,
  FatalConnectError,
  type MessageStream,
  type RelayEndpoint,
  StreamClosedError,
  type StreamState,
} from './api.ts';
export { AckState, type SeqClass } from './core/ack-state.ts';
export {
  ACK_WINDOW,
  DEFAULT_STREAM_CONFIG,
  FIXED_500MS_RTO,
  type RtoConfig,
  resolveStreamConfig,
  type StreamConfig,
} from './core/config.ts';
export {
  MessageTooLargeError,
  type StreamEvent,
  type StreamOutput,
  type StreamStats,
} from './core/events.ts';
export { type ReassembleResult, Reassembler } from './core/reassembler.ts';
export { ReliableStream, type ReliableStreamOptions } from './core/reliable-stream.ts';
export { RtoEstimator } from './core/rto.ts';
export { type Segment, Segmenter } from './core/segmenter.ts';
export { type AckError, type AckOutcome, type InFlightFrame, SendWindow } from './core/send-window.ts';
export type { MessageTransport } from './message-transport.ts';
export {
  DEFAULT_MAX_STREAMS,
  type MuxOutput,
  type MuxStreamOutput,
  StreamLimitError,
  StreamMux,
  type StreamMuxOptions,
} from './mux/stream-mux.ts';
export { streamTransport } from './stream-transport.ts';
export { Backoff, type BackoffOptions, DEFAULT_BACKOFF, jitteredDelay } from './ws/backoff.ts';
export { type Clock, systemClock } from './ws/clock.ts';
export type { RelayLogger } from './ws/logger.ts';
export { MuxDriver, type MuxDriverOptions } from './ws/mux-driver.ts';
export { CLOSE_UNSUPPORTED_DATA, rawBytes } from './ws/raw-data.ts';
export {
  type AcceptRelaySocketOptions,
  acceptRelaySocket,
  type ConnectRelayOptions,
  connectRelay,
} from './ws/relay-endpoint.ts';
export { DEFAULT_KEEPALIVE, type KeepaliveOptions } from './ws/socket-binding.ts';
