/**
 * One JSON-RPC connection as the executor's session processor and the
 * harness's client see it: either a local-mode WebSocket (one JSON message
 * per text frame) or one relay stream (one JSON message per relay message).
 */
export interface RpcTransport {
  /** Sends one JSON-RPC message (serialized to UTF-8 JSON by the transport); returns its size in bytes (0: not sent). */
  send(message: object): number;
  /** The largest message `send` can carry, when the transport has a limit of its own (a legacy relay stream: one frame). */
  readonly maxMessageBytes?: number;
  /** False while the transport is backed up; producers pause until onWritable fires. */
  readonly writable: boolean;
  onWritable(listener: () => void): () => void;
  /**
   * One inbound message as it came, UTF-8 JSON not yet decoded (the receiver
   * parses it, so malformed input can be answered; see `messageText`).
   */
  onMessage(listener: (message: Uint8Array) => void): () => void;
  /**
   * Receive-side backpressure: stop taking messages from the peer (a relay
   * stream refuses new data so the peer's window fills; a local socket stops
   * being read so TCP backpressure reaches the peer). A few messages already
   * received may still arrive after the call. Idempotent.
   */
  pauseReceiving(): void;
  /** Takes messages again after `pauseReceiving`. Idempotent. */
  resumeReceiving(): void;
  /** Fired once when the connection or stream ends, with a short reason. */
  onClose(listener: (reason: string) => void): () => void;
  close(reason?: string): void;
}
