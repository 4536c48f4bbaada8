import type { StreamState } from '../core/events.ts';
import type { ReassemblyBudget } from '../core/reassembly-budget.ts';
import type { StreamKind } from '../core/stream-core.ts';

/**
 * A message stream on one `stream_id`. A `reliable` stream delivers each
 * message exactly once and in order across losses and reconnects; a `legacy`
 * one (upstream's legacy relay) delivers what arrives and ends with its
 * socket; a `secure` one carries the secure relay's records once its
 * handshake completed (secure/ turns it into a stream of messages).
 */
export interface MessageStream {
  readonly streamId: string;
  readonly kind: StreamKind;
  readonly state: StreamState;
  /**
   * Sends one application message, segmented as needed. The message is always
   * taken (up to the configured maximum size; larger throws). Returns false
   * when the send window is now full: callers pause their producers until
   * `onWritable` fires, instead of buffering without bound.
   * Throws StreamClosedError after the stream was reset.
   */
  send(message: Uint8Array): boolean;
  /** The largest message `send` takes, where the stream says (a legacy stream: one frame's worth). */
  readonly maxMessageBytes?: number;
  /** True while the send window has room. */
  readonly writable: boolean;
  onWritable(listener: () => void): () => void;
  /** Each message exactly once, in order, byte-identical to what the peer sent. */
  onMessage(listener: (message: Uint8Array) => void): () => void;
  /**
   * Receive-side backpressure: the stream stops accepting new data from the
   * peer, so the peer's send window fills and its producer pauses. Messages
   * already received are still delivered (at most about one window after the
   * call). Idempotent.
   */
  pauseReceiving(): void;
  /** Accepts data again; the peer resends what was refused at once. Idempotent. */
  resumeReceiving(): void;
  /** Fired on suspension (peer silent or socket lost) and on resumption. */
  onStateChange(listener: (state: StreamState) => void): () => void;
  /** Terminal. `byPeer` is true when the reset came from the peer or the rendezvous. */
  onReset(listener: (reason: string, byPeer: boolean) => void): () => void;
  /** Resets this stream only (sends `reset{reason}`); other streams are untouched. */
  reset(reason: string): void;
}

/** A stream as the relay endpoint gives it: a secure one also carries its handshake. */
export interface RelayStream extends MessageStream {
  /** Accepting side: the harness identity the rendezvous says opened the stream, if it says. */
  readonly owner: string | undefined;
  /**
   * Secure streams only: sends our handshake message (1 on the opening side,
   * 2 on the accepting side); the endpoint resends it as the relay requires.
   */
  sendHandshake(payload: Uint8Array): void;
  /** Secure streams only: the peer's handshake message, once. Records may follow it. */
  onHandshake(listener: (payload: Uint8Array) => void): () => void;
  /** Several sent frames await their ack (see StreamCore.busy): a small message may wait to fill a frame. */
  readonly busy: boolean;
  /** Fired when the stream stops being busy. */
  onQuiet(listener: () => void): () => void;
  /**
   * The largest message the stream carries (a legacy stream: one frame's
   * worth), and the budget the endpoint's streams share
   * for messages not yet delivered (DESIGN.md §3): a layer that rebuilds
   * messages from this stream's (a secure stream's records) keeps to both.
   */
  readonly maxMessageBytes: number;
  readonly reassemblyBudget: ReassemblyBudget;
}
