import type { ReconnectPolicy } from './backoff.ts';
import type { OutputBacklogOptions } from './output-backlog.ts';
import type { RelayTarget } from './relay-socket.ts';

export interface CommonConnectOptions {
  /** Sent as `clientName` in `initialize`. */
  clientName?: string;
  /** Session-level reconnect (new connection + session resume). */
  reconnect?: Partial<ReconnectPolicy>;
  /**
   * How long the first `initialize` may take before connect fails (default
   * 20 s); through a rendezvous, also how long a secure stream's handshake may take.
   */
  firstAnswerTimeoutMs?: number;
  /**
   * Bounds process output published to handles but not yet read (defaults:
   * pause above 8 MiB, resume at 2 MiB). While paused, answers to requests
   * wait too, so read output while awaiting requests.
   */
  outputBacklog?: OutputBacklogOptions;
}

/** Local mode: the executor's `--listen` WebSocket URL. */
export interface LocalConnectOptions extends CommonConnectOptions {
  url: string;
}

/** Relay mode: through the rendezvous, with a harness token. */
export interface RelayConnectOptions extends CommonConnectOptions, RelayTarget {}

export type ConnectOptions = LocalConnectOptions | RelayConnectOptions;
