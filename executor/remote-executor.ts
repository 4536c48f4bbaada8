import type { Logger } from 'pino';
import type { MessageStream, RelayEndpoint } from '../endpoint/index.ts';
import { type ConnectRelayOptions, connectRelay } from '../endpoint/index.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { registerExecutor } from '../registry/index.ts';
import { streamTransport } from '../rpc/index.ts';
import { ConnectionProcessor } from './connection-processor.ts';
import { readableMessageBytes } from './limits.ts';
import { createSessionTable, type ExecutorTuning } from './local-executor.ts';
import { warnIfNoPty } from './process/pty-support.ts';
import type { SessionTable } from './session-table.ts';

export interface RemoteExecutorOptions extends ExecutorTuning {
  registryUrl: string;
  executorId: string;
  token: string;
  logger: Logger;
  /** Endpoint tuning (stream windows, keepalive, backoff) passed to connectRelay. */
  relay?: Omit<ConnectRelayOptions, 'resolveUrl' | 'role' | 'logger'>;
}

export interface RemoteExecutor {
  readonly endpoint: RelayEndpoint;
  readonly sessions: SessionTable;
  /** Kills every process tree, resets every stream and closes the socket. */
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
  await warnIfNoPty(logger);
  const register = () => registerExecutor(options);
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

  const sessions = await createSessionTable(logger, options);
  const { limits } = sessions;
  const endpoint = connectRelay({
    maxReassemblyBytes: limits.maxReassemblyBytes,
    ...options.relay,
    stream: {
      maxMessageBytes: readableMessageBytes(limits),
      maxMessageSegments: limits.maxMessageSegments,
      ...options.relay?.stream,
    },
    resolveUrl,
    role: 'executor',
    logger: logger.child({ part: 'relay' }),
  });
  endpoint.onStream((stream) => {
    const streamLogger = logger.child({ streamId: stream.streamId });
    streamLogger.info({ kind: stream.kind }, 'stream opened');
    const processor = new ConnectionProcessor(streamTransport(stream), sessions, streamLogger);
    expireWhenSuspended(stream, processor, sessions);
  });
  endpoint.onConnectionState((state, error) => {
    if (error) logger.error({ state, error: error.message }, 'relay connection failed');
    else logger.info({ state }, 'relay connection');
  });
  return {
    endpoint,
    sessions,
    close: async () => {
      // The kills go out first; the streams end before any exit is reported.
      const shutdown = sessions.shutdown();
      await endpoint.close();
      await shutdown;
    },
  };
}

/**
 * A suspended stream (peer silent, socket gone) keeps its session attached.
 * Once it has stayed suspended for the session TTL — the stream reopens only
 * when the peer is heard, a reconnect alone does not count — the stream is
 * reset with `session_expired` and its session ends with its processes, as a
 * detached session would.
 */
function expireWhenSuspended(
  stream: MessageStream,
  processor: ConnectionProcessor,
  sessions: SessionTable,
): void {
  let expiry: NodeJS.Timeout | undefined;
  const cancel = () => {
    clearTimeout(expiry);
    expiry = undefined;
  };
  stream.onReset(cancel);
  stream.onStateChange((state) => {
    if (state !== 'suspended') return cancel();
    expiry ??= setTimeout(() => {
      const sessionId = processor.sessionId;
      stream.reset(ResetReason.SessionExpired);
      if (sessionId !== null) sessions.expire(sessionId);
    }, sessions.sessionTtlMs).unref();
  });
}
