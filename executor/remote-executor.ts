import type { Logger } from 'pino';
import type { MessageStream, RelayEndpoint } from '../endpoint/api.ts';
import {
  type ConnectRelayOptions,
  connectRelay as defaultConnectRelay,
  resolveStreamConfig,
  streamTransport,
} from '../endpoint/index.ts';
import type { MessageTransport } from '../endpoint/message-transport.ts';
import { ConnectionProcessor } from './connection-processor.ts';
import { createRegistry, type ExecutorTuning } from './local-executor.ts';
import { registerExecutor } from './registration.ts';
import { DEFAULT_SESSION_TTL_MS, type SessionRegistry } from './session-registry.ts';

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
  // A silent peer suspends a stream after this long; one more interval of margin.
  const streamConfig = resolveStreamConfig(options.relay?.stream);
  const quietMs = (streamConfig.silentIntervals + 1) * streamConfig.heartbeatMs;
  endpoint.onStream((stream) => {
    const streamLogger = logger.child({ streamId: stream.streamId });
    streamLogger.info('stream opened');
    const processor = new ConnectionProcessor(toTransport(stream), registry, streamLogger);
    expireWhenSuspended(stream, processor, registry, options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS, quietMs);
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

/**
 * A suspended stream (peer silent, socket gone) keeps its session attached.
 * Once the peer has not been heard for the session TTL, the stream is reset
 * with `session_expired` and its session ends with its processes, as a
 * detached session would. A reconnect alone does not count as hearing the
 * peer: the stream must stay open long enough that a silent peer would
 * have suspended it again (`quietMs`), or a message must arrive.
 */
function expireWhenSuspended(
  stream: MessageStream,
  processor: ConnectionProcessor,
  registry: SessionRegistry,
  ttlMs: number,
  quietMs: number,
): void {
  let expiry: NodeJS.Timeout | undefined;
  let confirm: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(expiry);
    clearTimeout(confirm);
    expiry = undefined;
    confirm = undefined;
  };
  const expire = () => {
    const sessionId = processor.sessionId;
    stream.reset('session_expired');
    if (sessionId !== null) registry.expire(sessionId);
  };
  stream.onMessage(cancel);
  stream.onReset(cancel);
  stream.onStateChange((state) => {
    clearTimeout(confirm);
    confirm = undefined;
    if (state === 'suspended') {
      expiry ??= setTimeout(expire, ttlMs).unref();
    } else if (expiry !== undefined) {
      confirm = setTimeout(cancel, quietMs).unref();
    }
  });
}
