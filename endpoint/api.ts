/**
 * The live (Node) face of the endpoint: what the executor and the harness
 * program against. The pure reliable-stream core sits behind it; sockets,
 * timers and the mux are adapters around that core.
 */

export type StreamState = 'open' | 'suspended' | 'reset';

/** A reliable, ordered, exactly-once message stream on one `stream_id`. */
export interface MessageStream {
  readonly streamId: string;
  readonly state: StreamState;
  /**
   * Sends one application message, segmented as needed. The message is always
   * taken (up to the configured maximum size; larger throws). Returns false
   * when the send window is now full: callers pause their producers until
   * `onWritable` fires, instead of buffering without bound.
   * Throws StreamClosedError after the stream was reset.
   */
  send(message: Uint8Array): boolean;
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
  pauseDelivery(): void;
  /** Accepts data again; the peer resends what was refused at once. Idempotent. */
  resumeDelivery(): void;
  /** Fired on suspension (peer silent or socket lost) and on resumption. */
  onStateChange(listener: (state: StreamState) => void): () => void;
  /** Terminal. `byPeer` is true when the reset came from the peer or the rendezvous. */
  onReset(listener: (reason: string, byPeer: boolean) => void): () => void;
  /** Resets this stream only (sends `reset{reason}`); other streams are untouched. */
  reset(reason: string): void;
}

export class StreamClosedError extends Error {
  readonly reason: string;

  constructor(streamId: string, reason: string) {
    super(`stream ${streamId} is closed: ${reason}`);
    this.name = 'StreamClosedError';
    this.reason = reason;
  }
}

/** Thrown by `resolveUrl` for failures that retrying cannot fix (rejected token, unknown executor). */
export class FatalConnectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FatalConnectError';
  }
}

export type ConnectionState = 'connecting' | 'open' | 'closed';

/** One physical WebSocket to the rendezvous, carrying many streams, reconnecting by itself. */
export interface RelayEndpoint {
  /** Harness side: opens a new stream (a fresh UUIDv4 when no id is given). */
  openStream(streamId?: string): MessageStream;
  /** Accepting (executor) side: called once for each stream the peer opens. */
  onStream(listener: (stream: MessageStream) => void): () => void;
  /** `error` is set when the endpoint gave up (a FatalConnectError) or closed on a failure. */
  onConnectionState(listener: (state: ConnectionState, error?: Error) => void): () => void;
  readonly connectionState: ConnectionState;
  /** Resets every stream with `closed` and closes the socket; no reconnect after. */
  close(): Promise<void>;
}
