import { connectRelay, streamTransport } from '../endpoint/index.ts';
import type { RelayConnectOptions } from './connect-options.ts';
import type { Connector, OpenedConnection } from './connector.ts';
import { HarnessConnectError } from './errors.ts';
import { requestConnectUrl } from './rendezvous.ts';

/**
 * Relay mode: one endpoint (one WebSocket to the rendezvous, reconnecting
 * and resuming its streams by itself) and one fresh stream per connection.
 * The first ticket is fetched here, so a rejected token, an unknown
 * executor or an unreachable rendezvous fail `connect` at once; later
 * tickets are fetched by the endpoint on every socket reconnect.
 */
export async function relayConnector(options: RelayConnectOptions): Promise<Connector> {
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

  return {
    target: `executor ${options.executorId} via ${options.registryUrl}`,
    async open(): Promise<OpenedConnection> {
      if (endpoint.connectionState === 'closed') {
        throw new HarnessConnectError(`relay endpoint for executor ${options.executorId} is closed`, false);
      }
      const stream = endpoint.openStream();
      return { transport: streamTransport(stream), streamId: stream.streamId };
    },
    onFatal(listener) {
      fatalListeners.add(listener);
      return () => fatalListeners.delete(listener);
    },
    async close(): Promise<void> {
      closing = true;
      await endpoint.close();
    },
  };
}
