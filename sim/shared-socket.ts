/**
 * Several harness sessions over ONE relay socket: the harness library opens
 * one socket per client, so this builds clients on a shared endpoint (one
 * stream each) for scenarios with many streams per harness socket.
 */
import { type ConnectRelayOptions, connectRelay, streamTransport } from '../endpoint/index.ts';
import { defaultReconnectPolicy, type ReconnectPolicy } from '../harness/backoff.ts';
import type { Connector } from '../harness/connector.ts';
import { HarnessClient, HarnessConnectError, requestConnectUrl } from '../harness/index.ts';
import { Session } from '../harness/session.ts';

export interface SharedSocketOptions {
  registryUrl: string;
  executorId: string;
  token: string;
  relay?: Pick<ConnectRelayOptions, 'stream' | 'keepalive' | 'backoff' | 'maxStreams'>;
  reconnect?: Partial<ReconnectPolicy>;
}

export interface SharedHarnessSocket {
  /** A new client whose session runs on its own stream of this socket. */
  client(): Promise<HarnessClient>;
  /** Closes every stream and the socket. */
  close(): Promise<void>;
}

export async function openSharedSocket(options: SharedSocketOptions): Promise<SharedHarnessSocket> {
  const target = { registryUrl: options.registryUrl, executorId: options.executorId, token: options.token };
  let prefetched: string | undefined = await requestConnectUrl(target);
  const endpoint = connectRelay({
    ...options.relay,
    role: 'harness',
    resolveUrl: async () => {
      const url = prefetched;
      prefetched = undefined;
      return url ?? requestConnectUrl(target);
    },
  });
  const fatalListeners = new Set<(error: Error) => void>();
  let closing = false;
  endpoint.onConnectionState((state, error) => {
    if (state !== 'closed' || closing) return;
    const reason = error ?? new HarnessConnectError('relay endpoint closed', false);
    for (const listener of [...fatalListeners]) listener(reason);
  });
  const connector: Connector = {
    target: `executor ${options.executorId} via ${options.registryUrl} (shared socket)`,
    async open() {
      const stream = endpoint.openStream();
      return { transport: streamTransport(stream), streamId: stream.streamId };
    },
    onFatal(listener) {
      fatalListeners.add(listener);
      return () => fatalListeners.delete(listener);
    },
    // One client closing ends its own stream only; the socket belongs to close() below.
    close: async () => {},
  };
  return {
    async client() {
      const session = await Session.open(connector, {
        clientName: 'relaykit-sim',
        reconnect: { ...defaultReconnectPolicy, ...options.reconnect },
        firstAnswerTimeoutMs: 20_000,
      });
      return new HarnessClient(session);
    },
    async close() {
      closing = true;
      await endpoint.close();
    },
  };
}
