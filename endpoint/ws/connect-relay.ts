import WebSocket from 'ws';
import { CloseCode } from '../../proto/close-codes.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import type { StreamConfig } from '../core/config.ts';
import type { StreamKind } from '../core/stream-core.ts';
import { Backoff, type BackoffOptions } from '../live/backoff.ts';
import { type Clock, systemClock } from '../live/clock.ts';
import type { EndpointStats } from '../live/endpoint-stats.ts';
import type { RelayLogger } from '../live/logger.ts';
import type { RelayStream } from '../live/message-stream.ts';
import { MuxDriver } from '../live/mux-driver.ts';
import type { AcceptedSecurity } from '../mux/stream-kinds.ts';
import { maskOptionFor } from './masking.ts';
import { type ConnectionState, FatalConnectError, type RelayEndpoint } from './relay-endpoint.ts';
import { type Reachability, RendezvousContact } from './rendezvous-contact.ts';
import { bindSocket, DEFAULT_KEEPALIVE, type KeepaliveOptions } from './socket-binding.ts';
import { readRefusal, SocketRefusedError, type UpgradeRefusal } from './upgrade-refusal.ts';

export interface ConnectRelayOptions {
  /** Called before every (re)connect for a fresh ticket URL. A FatalConnectError stops reconnecting. */
  resolveUrl: () => Promise<string>;
  /** The executor accepts streams the peer opens; the harness opens them. */
  role: 'executor' | 'harness';
  /**
   * Streams this side opens speak upstream's legacy generation (seq from 0,
   * no acks, no retransmission, no resume), for an executor that speaks
   * nothing else: the legacy cleartext relay, or upstream main's secure
   * relay for secure streams. Streams the peer opens are of the kind it chose.
   */
  legacy?: boolean;
  /** Executor side: which streams the peer may open (default cleartext). */
  security?: AcceptedSecurity;
  stream?: Partial<StreamConfig>;
  /** Live streams at most (default 1,024). */
  maxStreams?: number;
  /** Executor side: live streams of one harness identity at most (default 64). */
  maxStreamsPerOwner?: number;
  /** Bytes all streams together may hold for messages not yet delivered (default: unbounded). */
  maxReassemblyBytes?: number;
  keepalive?: Partial<KeepaliveOptions>;
  backoff?: Partial<BackoffOptions>;
  logger?: RelayLogger;
  /** Time and timers (default: the system's). */
  clock?: Clock;
}

type StateListener = (state: ConnectionState, error?: Error) => void;

/**
 * Upgrades refused with 429 (the rendezvous is at a limit, such as its
 * harness sockets) in a row before the endpoint gives up, with backoff in between.
 */
const LIMIT_REFUSALS = 3;

function closeSocket(ws: WebSocket | undefined): Promise<void> {
  if (ws === undefined || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(CloseCode.Normal, 'closed');
  });
}

/** A relay socket that reconnects with backoff and resumes every stream on each new socket. */
class ReconnectingEndpoint implements RelayEndpoint {
  readonly #driver: MuxDriver;
  readonly #options: ConnectRelayOptions;
  readonly #keepalive: KeepaliveOptions;
  readonly #backoff: Backoff;
  readonly #clock: Clock;
  readonly #contact: RendezvousContact;
  readonly #stateListeners = new Set<StateListener>();
  #state: ConnectionState = 'connecting';
  #ws: WebSocket | undefined;
  #cancelRetry: (() => void) | undefined;
  #closing = false;
  #limitRefusals = 0;

  constructor(options: ConnectRelayOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#driver = new MuxDriver({
      accept: options.role === 'executor',
      security: options.security,
      clock: this.#clock,
      maxStreams: options.maxStreams,
      maxStreamsPerOwner: options.maxStreamsPerOwner,
      maxReassemblyBytes: options.maxReassemblyBytes,
      stream: options.stream,
      logger: options.logger,
    });
    this.#options = options;
    this.#keepalive = { ...DEFAULT_KEEPALIVE, ...options.keepalive };
    // A healthy socket hears a pong every ping interval: two without one is silence.
    this.#contact = new RendezvousContact(2 * this.#keepalive.pingIntervalMs, this.#clock.now());
    this.#backoff = new Backoff(options.backoff);
    void this.#connect();
  }

  get connectionState(): ConnectionState {
    return this.#state;
  }

  openStream(streamId?: string, kind?: StreamKind): RelayStream {
    if (this.#state === 'closed') throw new Error('relay endpoint is closed');
    const legacy = this.#options.legacy === true;
    if (kind === 'secure') return this.#driver.openStream(streamId, 'secure', legacy ? 'legacy' : 'reliable');
    return this.#driver.openStream(streamId, kind ?? (legacy ? 'legacy' : 'reliable'));
  }

  onStream(listener: (stream: RelayStream) => void): () => void {
    return this.#driver.onStream(listener);
  }

  dropSocket(reason: string): void {
    this.#options.logger?.warn?.({ reason }, 'dropping the relay socket');
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.close(CloseCode.PolicyViolation, reason);
  }

  stats(): EndpointStats {
    return this.#driver.stats();
  }

  reachability(): Reachability {
    return this.#contact.state(this.#clock.now());
  }

  onReachability(listener: () => void): () => void {
    return this.#contact.onChange(listener);
  }

  onConnectionState(listener: StateListener): () => void {
    this.#stateListeners.add(listener);
    return () => this.#stateListeners.delete(listener);
  }

  async close(): Promise<void> {
    if (this.#closing) return closeSocket(this.#ws);
    this.#closing = true;
    this.#cancelRetry?.();
    this.#driver.resetAll(ResetReason.Closed);
    this.#driver.stop();
    await closeSocket(this.#ws);
    this.#setState('closed');
  }

  #setState(state: ConnectionState, error?: Error): void {
    if (state === this.#state && error === undefined) return;
    this.#state = state;
    for (const listener of [...this.#stateListeners]) listener(state, error);
  }

  async #connect(): Promise<void> {
    if (this.#closing) return;
    this.#setState('connecting');
    let url: string;
    try {
      url = await this.#options.resolveUrl();
    } catch (err) {
      if (err instanceof FatalConnectError) {
        this.#giveUp(err);
        return;
      }
      this.#options.logger?.warn?.({ err }, 'resolving the relay URL failed; retrying');
      this.#retry();
      return;
    }
    if (this.#closing) return;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...maskOptionFor(url) });
    ws.binaryType = 'nodebuffer';
    this.#ws = ws;
    let opened = false;
    let refusal: UpgradeRefusal | undefined;
    ws.on('error', (err) => {
      if (refusal === undefined) this.#options.logger?.warn?.({ err }, 'relay socket error');
    });
    ws.once('unexpected-response', (_request, response) => {
      void readRefusal(response, this.#clock).then((read) => {
        refusal = read;
        this.#options.logger?.warn?.({ status: read.status, code: read.code }, 'relay socket refused');
        ws.terminate();
      });
    });
    ws.once('close', () => {
      // Closes after `open` are handled by the socket binding.
      if (opened) return;
      if (this.#ws === ws) this.#ws = undefined;
      this.#limitRefusals = refusal?.status === 429 ? this.#limitRefusals + 1 : 0;
      if (refusal !== undefined && this.#limitRefusals >= LIMIT_REFUSALS) {
        this.#giveUp(new SocketRefusedError(refusal));
        return;
      }
      this.#retry();
    });
    ws.once('open', () => {
      opened = true;
      this.#limitRefusals = 0;
      if (this.#closing) {
        ws.close(CloseCode.Normal, 'closed');
        return;
      }
      this.#backoff.opened(this.#clock.now());
      const { logger } = this.#options;
      bindSocket(ws, this.#driver, this.#keepalive, this.#clock, this.#contact, logger, (code, reason) => {
        logger?.info?.({ code, reason }, 'relay socket closed');
        if (this.#ws === ws) this.#ws = undefined;
        if (!this.#closing) this.#retry();
      });
      this.#setState('open');
    });
  }

  #retry(): void {
    if (this.#closing) return;
    this.#setState('connecting');
    const delay = this.#backoff.next(this.#clock.now());
    this.#options.logger?.debug?.({ delay }, 'reconnecting to the relay');
    // Kept alive: a process whose only work is to get its socket back must not exit meanwhile.
    this.#cancelRetry = this.#clock.after(
      delay,
      () => {
        this.#cancelRetry = undefined;
        void this.#connect();
      },
      { keepAlive: true },
    );
  }

  #giveUp(error: FatalConnectError): void {
    this.#closing = true;
    this.#driver.resetAll(ResetReason.ConnectFailed);
    this.#driver.stop();
    this.#setState('closed', error);
  }
}

/** Opens one WebSocket to the rendezvous and keeps it up, resuming every stream after each reconnect. */
export function connectRelay(options: ConnectRelayOptions): RelayEndpoint {
  return new ReconnectingEndpoint(options);
}
