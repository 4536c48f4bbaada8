import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ConnectRelayOptions,
  connectRelay,
  DEFAULT_MAX_STREAMS_PER_OWNER,
  type EndpointStats,
  jitteredDelay,
  type RelayEndpoint,
  type RelayStream,
  type StreamKind,
} from '../endpoint/index.ts';
import { type ConnectAnswer, type RendezvousTarget, requestConnect } from '../registry/index.ts';
import { streamTransport } from '../rpc/index.ts';
import { initiateSecureStream, SecureChannelError } from '../secure/index.ts';
import type { Connector, OpenedConnection } from './connector.ts';
import { HarnessConnectError } from './errors.ts';
import { handshakeTurns } from './handshake-turns.ts';
import {
  admitAnswer,
  type HandshakeBundle,
  harnessIdentity,
  type RelaySecurityOptions,
} from './relay-security.ts';
import { Turns } from './turns.ts';

/** Where a relay socket goes, how its endpoint is tuned and how it treats the secure relay. */
export interface RelayTarget extends RendezvousTarget, RelaySecurityOptions {
  /**
   * Tuning of the relay endpoint (stream windows, keepalive, socket reconnect
   * backoff); `maxStreams`, the streams the socket carries at once (default
   * 64, what an executor grants one harness identity by default; a
   * connection beyond waits for one to end); and `legacy: true` to speak
   * upstream's legacy generation to an executor that speaks nothing else
   * (cleartext: the legacy relay; secure: upstream main's records from seq
   * 0): no acks, no retransmission, and a lost socket ends the stream, so
   * the session resumes on a new one.
   */
  relay?: Pick<ConnectRelayOptions, 'stream' | 'keepalive' | 'backoff' | 'logger' | 'maxStreams' | 'legacy'>;
  /**
   * How long a secure connection whose handshake failed is tried again on
   * fresh streams, from its first failure (default 15 s): an executor refuses
   * handshakes beyond 32 validations in flight, and the harness cannot tell
   * that from a refusal.
   */
  handshakeRetryMs?: number;
}

/** A connect answer's handshake bundle is used for new streams this long at most. */
const BUNDLE_MAX_AGE_MS = 60_000;

/** Backoff between handshake attempts, and how long they go on by default (see `handshakeRetryMs`). */
const HANDSHAKE_RETRY_MS = { initial: 100, max: 2000, budget: 15_000 };

interface Admitted {
  bundle: HandshakeBundle | undefined;
  at: number;
}

/**
 * One WebSocket to the rendezvous — a relay endpoint that reconnects and
 * resumes its streams by itself — that gives every connection of every
 * session on it a fresh stream: a secure one with its own handshake when
 * the executor serves the secure relay. The first connect answer is fetched
 * in `open`, so a rejected token, an unreachable rendezvous or a refused
 * relay fail at once; later answers come on every socket reconnect and
 * whenever the handshake bundle is stale (old, or a secure stream failed).
 */
export class RelaySocket {
  readonly #endpoint: RelayEndpoint;
  readonly #target: RelayTarget;
  readonly #label: string;
  /** A turn per stream the socket carries. */
  readonly #streams: Turns;
  readonly #fatalListeners = new Set<(error: Error) => void>();
  #admitted: Admitted | undefined;
  #fetching: Promise<Admitted & { url: string }> | undefined;
  #secureSeen = false;
  #closing = false;

  private constructor(target: RelayTarget, first: ConnectAnswer) {
    this.#target = target;
    this.#label = `executor ${target.executorId} via ${target.registryUrl}`;
    this.#admitted = { bundle: this.#admit(first), at: performance.now() };
    let prefetched: string | undefined = first.url;
    const maxStreams = target.relay?.maxStreams ?? DEFAULT_MAX_STREAMS_PER_OWNER;
    this.#streams = new Turns(maxStreams);
    this.#endpoint = connectRelay({
      ...target.relay,
      maxStreams,
      role: 'harness',
      resolveUrl: async () => {
        const url = prefetched;
        prefetched = undefined;
        return url ?? (await this.#fetch()).url;
      },
    });
    this.#endpoint.onConnectionState((state, error) => {
      if (state !== 'closed' || this.#closing) return;
      const reason = error ?? new HarnessConnectError('relay endpoint closed', false);
      for (const listener of [...this.#fatalListeners]) listener(reason);
    });
  }

  static async open(target: RelayTarget): Promise<RelaySocket> {
    return new RelaySocket(target, await requestConnect(target, RelaySocket.#keyOf(target)));
  }

  static #keyOf(target: RelayTarget) {
    return target.security === 'cleartext'
      ? {}
      : { harnessPublicKey: harnessIdentity(target).publicKey.toJSON() };
  }

  /**
   * A connector whose connections are fresh streams on this socket. Closing
   * it closes the socket only when it `ownsSocket` (one client, one socket);
   * otherwise a session's close ends its own stream and the socket stays.
   */
  connector(ownsSocket: boolean): Connector {
    return {
      target: this.#label,
      open: async (): Promise<OpenedConnection> => {
        if (this.#endpoint.connectionState === 'closed') {
          throw new HarnessConnectError(`relay endpoint for ${this.#label} is closed`, false);
        }
        const { initial, max, budget } = HANDSHAKE_RETRY_MS;
        let giveUpAt: number | undefined;
        for (let attempt = 0; ; attempt++) {
          const bundle = await this.#bundle();
          if (bundle === undefined) {
            await this.#streams.take();
            const stream = this.#openOnTurn();
            return { transport: streamTransport(stream), streamId: stream.streamId };
          }
          try {
            return await this.#openSecure(bundle);
          } catch (error) {
            giveUpAt ??= performance.now() + (this.#target.handshakeRetryMs ?? budget);
            const retryable = (error as HarnessConnectError).retryable;
            if (!retryable || performance.now() >= giveUpAt || this.#closing) throw error;
          }
          await sleep(jitteredDelay(initial, max, attempt, Math.random()));
        }
      },
      onFatal: (listener) => {
        this.#fatalListeners.add(listener);
        return () => this.#fatalListeners.delete(listener);
      },
      close: async () => {
        if (ownsSocket) await this.close();
      },
    };
  }

  stats(): EndpointStats {
    return this.#endpoint.stats();
  }

  async close(): Promise<void> {
    this.#closing = true;
    await this.#endpoint.close();
  }

  /** Opens a stream on a turn taken from #streams; the turn is given back when the stream ends. */
  #openOnTurn(kind?: StreamKind): RelayStream {
    try {
      const stream = this.#endpoint.openStream(undefined, kind);
      stream.onReset(() => this.#streams.give());
      return stream;
    } catch (error) {
      this.#streams.give();
      throw error;
    }
  }

  async #openSecure(bundle: HandshakeBundle): Promise<OpenedConnection> {
    await this.#streams.take();
    const turns = handshakeTurns(this.#target);
    await turns.take();
    try {
      return await this.#handshake(this.#openOnTurn('secure'), bundle);
    } finally {
      turns.give();
    }
  }

  async #handshake(stream: RelayStream, bundle: HandshakeBundle): Promise<OpenedConnection> {
    try {
      const secured = await initiateSecureStream(stream, {
        identity: harnessIdentity(this.#target),
        executorId: this.#target.executorId,
        ...bundle,
      });
      // The executor may have restarted or re-registered: the next stream fetches a fresh bundle.
      secured.onReset(() => this.#stale(bundle));
      return { transport: streamTransport(secured), streamId: stream.streamId };
    } catch (error) {
      this.#stale(bundle);
      const hopeless = error instanceof SecureChannelError && error.code === 'authorization_too_long';
      // The peer's reset reason is not authenticated: it is not shown.
      throw new HarnessConnectError(`secure handshake with ${this.#label} failed`, !hopeless);
    }
  }

  /** The handshake bundle for a new stream (undefined: cleartext), fetched afresh when stale. */
  async #bundle(): Promise<HandshakeBundle | undefined> {
    const admitted = this.#admitted;
    if (admitted !== undefined && performance.now() - admitted.at < BUNDLE_MAX_AGE_MS) return admitted.bundle;
    return (await this.#fetch()).bundle;
  }

  /** A fresh connect answer (one request at a time), admitted by the client's policy. */
  #fetch(): Promise<Admitted & { url: string }> {
    this.#fetching ??= (async () => {
      const answer = await requestConnect(this.#target, RelaySocket.#keyOf(this.#target));
      const admitted = { bundle: this.#admit(answer), at: performance.now() };
      this.#admitted = admitted;
      return { ...admitted, url: answer.url };
    })().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  #admit(answer: ConnectAnswer): HandshakeBundle | undefined {
    const bundle = admitAnswer(answer, this.#target, this.#label, this.#secureSeen);
    if (bundle !== undefined) this.#secureSeen = true;
    return bundle;
  }

  #stale(bundle: HandshakeBundle): void {
    if (this.#admitted?.bundle === bundle) this.#admitted = undefined;
  }
}
