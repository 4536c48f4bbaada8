import type { StreamKind } from '../core/stream-core.ts';
import type { EndpointStats } from '../live/endpoint-stats.ts';
import type { RelayStream } from '../live/message-stream.ts';
import type { Reachability } from './rendezvous-contact.ts';

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
  /**
   * Harness side: opens a new stream (a fresh UUIDv4 when no id is given) of
   * the endpoint's cleartext kind, or of `kind` (`secure`: its records of
   * the endpoint's generation, reliable unless `legacy`).
   */
  openStream(streamId?: string, kind?: StreamKind): RelayStream;
  /** Accepting (executor) side: called once for each stream the peer opens. */
  onStream(listener: (stream: RelayStream) => void): () => void;
  /**
   * Closes the current socket (not the endpoint): it reconnects with backoff
   * and its streams resume. For a socket that carried too many failed
   * secure handshakes.
   */
  dropSocket(reason: string): void;
  /** `error` is set when the endpoint gave up (a FatalConnectError) or closed on a failure. */
  onConnectionState(listener: (state: ConnectionState, error?: Error) => void): () => void;
  readonly connectionState: ConnectionState;
  /** Counters of this endpoint's sockets and streams since it started. */
  stats(): EndpointStats;
  /** Whether the rendezvous can reach this endpoint now (its socket is open and not silent), and since when. */
  reachability(): Reachability;
  /** Fired when contact with the rendezvous begins (again) or its socket closes. */
  onReachability(listener: () => void): () => void;
  /** Resets every stream with `closed` and closes the socket; no reconnect after. */
  close(): Promise<void>;
}
