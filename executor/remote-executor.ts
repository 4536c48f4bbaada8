import type { Logger } from 'pino';
import type { MessageStream, RelayEndpoint } from '../endpoint/api.ts';
import {
  type ConnectRelayOptions,
  connectRelay as defaultConnectRelay,
  streamTransport,
} from '../endpoint/index.ts';
import type { MessageTransport } from '../endpoint/message-transport.ts';
import { ConnectionProcessor } from './connection-processor.ts';
import { createRegistry, type ExecutorTuning } from './local-executor.ts';
import { registerExecutor } from './registration.ts';
import type { SessionRegistry } from './session-registry.ts';

export interface RemoteExecutorOptions extends ExecutorTuning {
  registryUrl: string;
  executorId: string;
  token: string;
  logger: Logger;
  /** Endpoint tuning (stream windows, keepalive, backoff) passed to connectRelay. */
  relay?: Omit<ConnectRelayOptions, 'resolveUrl' | 'role' | 'logger'>;
  /** Defaults to the endpoint's connectRelay. */
  connectRelay?: (options: ConnectRelayOptions) => RelayEndpoint;
  /** Defaults to the endpoint's UTF-8 JSON adapter over the stream. */
  toTransport?: (stream: MessageStream) => MessageTransport;
  fetch?: typeof fetch;
}

export interface RemoteExecutor {
  readonly endpoint: RelayEndpoint;
  readonly registry: SessionRegistry;
  /** Kills every process group, resets every stream and closes the socket. */
  close(): Promise<void>;
}

/**
 * Remote mode: registers with the registry, keeps one relay socket open
 * (re-registering on every reconnect for a fresh ticket) and runs an
 * independent session processor for each stream the harnesses open.
 *
 * The first registration happens here, so an unreachable registry or a
 * rejected token fails start-up instead of being retried forever.
 */
export async function startRemoteExecutor(options: RemoteExecutorOptions): Promise<RemoteExecutor> {
  const { logger } = options;
  const register = () =>
    registerExecutor({
      registryUrl: options.registryUrl,
      executorId: options.executorId,
      token: options.token,
      fetch: options.fetch,
    });
  let firstUrl: string | null = await register();
  logger.info({ executorId: options.executorId, registry: options.registryUrl }, 'registered');
  const resolveUrl = async () => {
    if (firstUrl !== null) {
      const url = firstUrl;
      firstUrl = null;
      return url;
    }
    const url = await register();
    logger.info({ executorId: options.executorId }, 're-registered');
    return url;
  };

  const registry = createRegistry(logger, options);
  const toTransport = options.toTransport ?? streamTransport;
  const connect = options.connectRelay ?? defaultConnectRelay;
  const endpoint = connect({
    ...options.relay,
    resolveUrl,
    role: 'executor',
    logger: logger.child({ part: 'relay' }),
  });
  endpoint.onStream((stream) => {
    const streamLogger = logger.child({ streamId: stream.streamId });
    streamLogger.info('stream opened');
    new ConnectionProcessor(toTransport(stream), registry, streamLogger);
  });
  endpoint.onConnectionState((state, error) => {
    if (error) logger.error({ state, error: error.message }, 'relay connection failed');
    else logger.info({ state }, 'relay connection');
  });
  return {
    endpoint,
    registry,
    close: async () => {
      registry.shutdown();
      await endpoint.close();
    },
  };
}
