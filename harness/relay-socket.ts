import {
  type ConnectRelayOptions,
  connectRelay,
  type EndpointStats,
  type RelayEndpoint,
} from '../endpoint/index.ts';
import { type RendezvousTarget, requestConnectUrl } from '../registry/index.ts';
import { streamTransport } from '../rpc/index.ts';
import type { Connector, OpenedConnection } from './connector.ts';
import { HarnessConnectError } from './errors.ts';

/** Where a relay socket goes and how its endpoint is tuned. */
export interface RelayTarget extends RendezvousTarget {
  /**
   * Tuning of the relay endpoint (stream windows, keepalive, socket reconnect
   * backoff, stream limit), and `legacy: true` to speak upstream's legacy
   * cleartext relay to an executor that speaks nothing else: no acks, no
   * retransmission, and a lost socket ends the stream, so the session resumes
   * on a new one.
   */
  relay?: Pick<ConnectRelayOptions, 'stream' | 'keepalive' | 'backoff' | 'logger' | 'maxStreams' | 'legacy'>;
}

/**
 * One WebSocket to the rendezvous — a relay endpoint that reconnects and
 * resumes its streams by itself — that gives every connection of every
 * session on it a fresh stream. The first ticket is fetched in `open`, so a
 * rejected token or an unreachable rendezvous fail at once; later tickets are
 * fetched by the endpoint on every socket reconnect.
 */
export class RelaySocket {
  readonly #endpoint: RelayEndpoint;
  readonly #label: string;
  readonly #fatalListeners = new Set<(error: Error) => void>();
  #closing = false;

  private constructor(target: RelayTarget, firstUrl: string) {
    let prefetched: string | undefined = firstUrl;
    this.#label = `executor ${target.executorId} via ${target.registryUrl}`;
    this.#endpoint = connectRelay({
      ...target.relay,
      role: 'harness',
      resolveUrl: async () => {
        const url = prefetched;
        prefetched = undefined;
        return url ?? requestConnectUrl(target);
      },
    });
    this.#endpoint.onConnectionState((state, error) => {
      if (state !== 'closed' || this.#closing) return;
      const reason = error ?? new HarnessConnectError('relay endpoint closed', false);
      for (const listener of [...this.#fatalListeners]) listener(reason);
    });
  }

  static async open(target: RelayTarget): Promise<RelaySocket> {
    const firstUrl = await requestConnectUrl(target);
    return new RelaySocket(target, firstUrl);
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
        const stream = this.#endpoint.openStream();
        return { transport: streamTransport(stream), streamId: stream.streamId };
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
}
