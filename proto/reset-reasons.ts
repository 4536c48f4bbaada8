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
  /** The rendezvous refused a harness socket one more stream. */
  TooManyStreams: 'too_many_streams',
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
} as const;

export type ResetReason = (typeof ResetReason)[keyof typeof ResetReason];

/** The reason of a reset for a frame that broke the protocol. */
export function protocolErrorReason(code: string): string {
  return `protocol_error:${code}`;
}
