import type { RelayFrame } from '../../proto/codec/index.ts';
import type { StreamOutput, StreamState } from './events.ts';

/**
 * The generations of stream one socket can carry (DESIGN.md §3): `reliable`
 * (seq from 1, acks, retransmission, resume) and `legacy` (upstream's
 * legacy cleartext relay: seq from 0, no acks, no retransmission).
 */
export type StreamKind = 'reliable' | 'legacy';

/**
 * One `stream_id` as the mux drives it, whatever its kind: a pure state
 * machine that takes frames and the current time and accumulates frames to
 * send, messages to deliver and events until `drain()`.
 */
export interface StreamCore {
  readonly streamId: string;
  readonly kind: StreamKind;
  readonly state: StreamState;
  /** The reset's reason once the stream is reset. */
  readonly reason: string | undefined;
  /** True while a new message would be sent without queueing behind others. */
  readonly writable: boolean;
  /** Takes one application message; returns `writable` afterwards. Throws once reset. */
  send(message: Uint8Array, now: number): boolean;
  /** One inbound frame for this stream, decoded and validated by the codec. */
  receive(frame: RelayFrame, now: number): void;
  /** A frame for this stream that the codec refused (`code` is its FrameErrorCode). */
  protocolError(code: string, now: number): void;
  pauseReceiving(): void;
  resumeReceiving(now: number): void;
  /** Runs whatever fell due at `now`. */
  tick(now: number): void;
  linkLost(now: number): void;
  linkRestored(now: number): void;
  /** The socket under the link has more queued than it should (or no longer). */
  linkCongested(congested: boolean): void;
  /** Resets the stream from this side. */
  reset(reason: string, now: number): void;
  /** The earliest time `tick` has work to do, if any. */
  nextDeadline(): number | undefined;
  drain(): StreamOutput;
}
