import WebSocket from 'ws';
import { type ConnectionState, FatalConnectError, type MessageStream, type RelayEndpoint } from '../api.ts';
import type { StreamConfig } from '../core/config.ts';
import { Backoff, type BackoffOptions } from './backoff.ts';
import { type Clock, systemClock } from './clock.ts';
import type { RelayLogger } from './logger.ts';
import { maskOptionFor } from './masking.ts';
import { MuxDriver } from './mux-driver.ts';
import { bindSocket, DEFAULT_KEEPALIVE, type KeepaliveOptions } from './socket-binding.ts';

export interface ConnectRelayOptions {
  /** Called before every (re)connect for a fresh ticket URL. A FatalConnectError stops reconnecting. */
  resolveUrl: () => Promise<string>;
  /** The executor accepts streams the peer opens; the harness opens them. */
  role: 'executor' | 'harness';
  stream?: Partial<StreamConfig>;
  maxStreams?: number;
  keepalive?: Partial<KeepaliveOptions>;
  backoff?: Partial<BackoffOptions>;
  logger?: RelayLogger;
  /** Time and timers (default: the system's). */
  clock?: Clock;
}

type StateListener = (state: ConnectionState, error?: Error) => void;

/** The shared RelayEndpoint surface over a driver; subclasses own the socket lifecycle. */
abstract class EndpointBase implements RelayEndpoint {
  protected readonly driver: MuxDriver;
  protected state: ConnectionState = 'connecting';
  private readonly stateListeners = new Set<StateListener>();

  constructor(driver: MuxDriver) {
    this.driver = driver;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  openStream(streamId?: string): MessageStream {
    if (this.state === 'closed') throw new Error('relay endpoint is closed');
    return this.driver.openStream(streamId);
  }

  onStream(listener: (stream: MessageStream) => void): () => void {
    return this.driver.onStream(listener);
  }

  onConnectionState(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  abstract close(): Promise<void>;

  protected setState(state: ConnectionState, error?: Error): void {
    if (state === this.state && error === undefined) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state, error);
  }
}

function closeSocket(ws: WebSocket | undefined): Promise<void> {
  if (ws === undefined || ws.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    ws.once('close', () => resolve());
    if (ws.readyState === WebSocket.CONNECTING) ws.terminate();
    else ws.close(1000, 'closed');
  });
}

class ReconnectingEndpoint extends EndpointBase {
  private readonly options: ConnectRelayOptions;
  private readonly keepalive: KeepaliveOptions;
  private readonly backoff: Backoff;
  private readonly clock: Clock;
  private ws: WebSocket | undefined;
  private cancelRetry: (() => void) | undefined;
  private closing = false;

  constructor(options: ConnectRelayOptions) {
    const clock = options.clock ?? systemClock;
    super(
      new MuxDriver({
        accept: options.role === 'executor',
        clock,
        maxStreams: options.maxStreams,
        stream: options.stream,
        logger: options.logger,
      }),
    );
    this.options = options;
    this.clock = clock;
    this.keepalive = { ...DEFAULT_KEEPALIVE, ...options.keepalive };
    this.backoff = new Backoff(options.backoff);
    void this.connect();
  }

  async close(): Promise<void> {
    if (this.closing) return closeSocket(this.ws);
    this.closing = true;
    this.cancelRetry?.();
    this.driver.resetAll('closed');
    this.driver.stop();
    await closeSocket(this.ws);
    this.setState('closed');
  }

  private async connect(): Promise<void> {
    if (this.closing) return;
    this.setState('connecting');
    let url: string;
    try {
      url = await this.options.resolveUrl();
    } catch (err) {
      if (err instanceof FatalConnectError) {
        this.giveUp(err);
        return;
      }
      this.options.logger?.warn?.({ err }, 'resolving the relay URL failed; retrying');
      this.retry();
      return;
    }
    if (this.closing) return;
    const ws = new WebSocket(url, { perMessageDeflate: false, ...maskOptionFor(url) });
    ws.binaryType = 'nodebuffer';
    this.ws = ws;
    let opened = false;
    ws.on('error', (err) => this.options.logger?.warn?.({ err }, 'relay socket error'));
    ws.once('close', () => {
      // Closes after `open` are handled by the socket binding.
      if (opened) return;
      if (this.ws === ws) this.ws = undefined;
      this.retry();
    });
    ws.once('open', () => {
      opened = true;
      if (this.closing) {
        ws.close(1000, 'closed');
        return;
      }
      this.backoff.opened(this.clock.now());
      bindSocket(ws, this.driver, this.keepalive, this.clock, this.options.logger, (code, reason) => {
        this.options.logger?.info?.({ code, reason }, 'relay socket closed');
        if (this.ws === ws) this.ws = undefined;
        if (!this.closing) this.retry();
      });
      this.setState('open');
    });
  }

  private retry(): void {
    if (this.closing) return;
    this.setState('connecting');
    const delay = this.backoff.next(this.clock.now());
    this.options.logger?.debug?.({ delay }, 'reconnecting to the relay');
    // Kept alive: a process whose only work is to get its socket back must not exit meanwhile.
    this.cancelRetry = this.clock.after(
      delay,
      () => {
        this.cancelRetry = undefined;
        void this.connect();
      },
      { keepAlive: true },
    );
  }

  private giveUp(error: FatalConnectError): void {
    this.closing = true;
    this.driver.resetAll('connect_failed');
    this.driver.stop();
    this.setState('closed', error);
  }
}

/** Opens one WebSocket to the rendezvous and keeps it up, resuming every stream after each reconnect. */
export function connectRelay(options: ConnectRelayOptions): RelayEndpoint {
  return new ReconnectingEndpoint(options);
}

export interface AcceptRelaySocketOptions {
  /** Whether streams the peer opens are accepted (default true). */
  accept?: boolean;
  stream?: Partial<StreamConfig>;
  maxStreams?: number;
  keepalive?: Partial<KeepaliveOptions>;
  logger?: RelayLogger;
  /** Time and timers (default: the system's). */
  clock?: Clock;
}

class SingleSocketEndpoint extends EndpointBase {
  private readonly ws: WebSocket;

  constructor(ws: WebSocket, options: AcceptRelaySocketOptions) {
    const clock = options.clock ?? systemClock;
    super(
      new MuxDriver({
        accept: options.accept ?? true,
        clock,
        maxStreams: options.maxStreams,
        stream: options.stream,
        logger: options.logger,
      }),
    );
    this.ws = ws;
    bindSocket(ws, this.driver, { ...DEFAULT_KEEPALIVE, ...options.keepalive }, clock, options.logger, () => {
      this.driver.resetAll('connection_lost');
      this.driver.stop();
      this.setState('closed');
    });
    this.setState('open');
  }

  async close(): Promise<void> {
    this.driver.resetAll('closed');
    this.driver.stop();
    await closeSocket(this.ws);
    this.setState('closed');
  }
}

/**
 * Serves relay frames on an already-open WebSocket, without reconnecting:
 * when the socket ends, every stream is reset with `connection_lost`.
 */
export function acceptRelaySocket(ws: WebSocket, options: AcceptRelaySocketOptions = {}): RelayEndpoint {
  return new SingleSocketEndpoint(ws, options);
}
