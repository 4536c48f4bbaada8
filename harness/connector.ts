import type { RpcTransport } from '../rpc/index.ts';

export interface OpenedConnection {
  transport: RpcTransport;
  /** The relay `stream_id` carrying the connection (relay mode only). */
  streamId?: string;
}

/**
 * Where a session's connections come from: a local-mode WebSocket per
 * connection, or a relay stream per connection over one shared endpoint.
 */
export interface Connector {
  /** A short description for error messages (`ws://127.0.0.1:4000`, `executor e-1 via https://…`). */
  readonly target: string;
  /**
   * Opens a fresh JSON-RPC connection. Failures that retrying cannot fix are
   * HarnessConnectError with `retryable: false`; any other error is retried.
   */
  open(): Promise<OpenedConnection>;
  /** Fired when the connector can never open another connection (e.g. the relay endpoint gave up). */
  onFatal(listener: (error: Error) => void): () => void;
  close(): Promise<void>;
}
