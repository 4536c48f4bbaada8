import type { EndpointStats } from '../live/endpoint-stats.ts';
import type { MessageStream } from '../live/message-stream.ts';

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
  /** Counters of this endpoint's sockets and streams since it started. */
  stats(): EndpointStats;
  /** Resets every stream with `closed` and closes the socket; no reconnect after. */
  close(): Promise<void>;
}
