/**
 * One JSON-RPC connection as the executor's session processor and the
 * harness's client see it: either a local-mode WebSocket (one JSON message
 * per text frame) or one relay stream (one JSON message per relay message).
 */
export interface MessageTransport {
  /** Sends one JSON-RPC message (serialized to UTF-8 JSON by the transport). */
  send(message: object): void;
  /** False while the transport is backed up; producers pause until onWritable fires. */
  readonly writable: boolean;
  onWritable(listener: () => void): () => void;
  /** One inbound message as text (the processor parses it, so malformed input can be answered). */
  onMessage(listener: (text: string) => void): () => void;
  /** Fired once when the connection or stream ends, with a short reason. */
  onClose(listener: (reason: string) => void): () => void;
  close(reason?: string): void;
}
