/**
 * Reasons carried by `reset{reason}` frames (DESIGN.md §3, §4). A reason is a
 * short machine word; `protocol_error:<code>` carries the rule that broke.
 */
export const ResetReason = {
  /** The stream's owner ended it. */
  Closed: 'closed',
  /** A frame for a stream id the accepting side does not know and that cannot open one. */
  UnknownStream: 'unknown_stream',
  /** The accepting side has no room for another stream. */
  StreamLimit: 'stream_limit',
  /** The accepting side has no room for another stream of this harness identity. */
  HarnessStreamLimit: 'harness_stream_limit',
  /** The rendezvous refused a harness socket one more stream. */
  TooManyStreams: 'too_many_streams',
  /** The rendezvous refused a harness socket a new stream: it opens them faster than allowed. */
  StreamRateLimit: 'stream_rate_limit',
  /** The rendezvous let go of a stream whose harness socket stayed closed. */
  HarnessGone: 'harness_gone',
  /** The stream used up its seq space. */
  SeqExhausted: 'seq_exhausted',
  /** The executor ended the stream's session after the session TTL. */
  SessionExpired: 'session_expired',
  /** The rendezvous saw a new executor process take over the id. */
  ExecutorRestarted: 'executor_restarted',
  /** The local endpoint gave up connecting (a rejected token, an unknown executor). */
  ConnectFailed: 'connect_failed',
  /** A legacy stream's socket went away: legacy streams have no resume. */
  ConnectionLost: 'connection_lost',
  /** A handshake frame reached an endpoint that runs no secure relay. */
  SecureModeNotEnabled: 'secure_mode_not_enabled',
  /** A cleartext stream reached an executor that serves only the secure relay. */
  SecureModeRequired: 'secure_mode_required',
  /**
   * Every failure of a secure stream (DESIGN.md §9): a bad, repeated or
   * unauthorized handshake, a limit, data before the handshake, a record
   * that fails to decrypt or to frame. The secure relay's reliable
   * generation names it so; a peer never trusts or shows it.
   */
  SecureRelayProtocolError: 'secure_relay_protocol_error',
  /** The opening side of a secure stream heard no handshake answer in time. */
  HandshakeTimeout: 'handshake_timeout',
} as const;

export type ResetReason = (typeof ResetReason)[keyof typeof ResetReason];

/** Refusals of a new stream for want of room: the same stream may be opened again later. */
export const CAPACITY_REFUSALS: ReadonlySet<string> = new Set([
  ResetReason.StreamLimit,
  ResetReason.HarnessStreamLimit,
  ResetReason.TooManyStreams,
  ResetReason.StreamRateLimit,
]);

/** The reason of a reset for a frame that broke the protocol. */
export function protocolErrorReason(code: string): string {
  return `protocol_error:${code}`;
}
