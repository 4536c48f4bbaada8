import type { Logger } from 'pino';
import type { MessageStream, RelayEndpoint } from '../endpoint/index.ts';
import { type ConnectRelayOptions, connectRelay } from '../endpoint/index.ts';
import { ResetReason } from '../proto/reset-reasons.ts';
import { SECURE_PROFILE } from '../proto/secure-relay.ts';
import { registerExecutor, validateHarnessKey } from '../registry/index.ts';
import { streamTransport } from '../rpc/index.ts';
import { type LocalHarnessPolicy, type NoisePublicKey, StaticIdentity } from '../secure/index.ts';
import { ConnectionProcessor } from './connection-processor.ts';
import { readableMessageBytes } from './limits.ts';
import { type ExecutorTuning, prepareSessionTable } from './local-executor.ts';
import { warnIfNoPty } from './process/pty-support.ts';
import { SecureAcceptor } from './secure-acceptor.ts';
import { type SessionOwner, SessionOwners, type SessionTable } from './session-table.ts';

/**
 * How the executor serves its streams: the secure relay (the default; a
 * fresh identity per process unless one is given, harness keys checked by
 * the registry unless a local policy is given) or cleartext.
 */
export type ExecutorSecurity =
  | { profile: typeof SECURE_PROFILE; identity?: StaticIdentity; localPolicy?: LocalHarnessPolicy }
  | { profile: 'cleartext' };

export interface RemoteExecutorOptions extends ExecutorTuning {
  registryUrl: string;
  executorId: string;
  token: string;
  logger: Logger;
  /** Default: the secure relay with a fresh identity. */
  security?: ExecutorSecurity;
  /** Endpoint tuning (stream windows, keepalive, backoff) passed to connectRelay. */
  relay?: Omit<ConnectRelayOptions, 'resolveUrl' | 'role' | 'logger' | 'security'>;
}

export interface RemoteExecutor {
  readonly endpoint: RelayEndpoint;
  readonly sessions: SessionTable;
  /** The static key harnesses handshake with (secure profile only). */
  readonly publicKey: NoisePublicKey | undefined;
  /** Kills every process tree, resets every stream and closes the socket. */
  close(): Promise<void>;
}

/**
 * Remote mode: registers with the registry (with its key, for the secure
 * relay), keeps one relay socket open (re-registering on every reconnect for
 * a fresh ticket) and runs an independent session processor for each
 * stream the harnesses open; a secure stream first completes its handshake.
 *
 * The first registration happens here, so an unreachable registry or a
 * rejected token fails start-up instead of being retried forever.
 */
export async function startRemoteExecutor(options: RemoteExecutorOptions): Promise<RemoteExecutor> {
  const { logger } = options;
  await warnIfNoPty(logger);
  const security = options.security ?? { profile: SECURE_PROFILE };
  const identity =
    security.profile === SECURE_PROFILE ? (security.identity ?? StaticIdentity.generate()) : undefined;
  const register = () => registerExecutor({ ...options, publicKey: identity?.publicKey.toJSON() });
  let registration = await register();
  let firstUrl: string | null = registration.url;
  logger.info(
    { executorId: options.executorId, registry: options.registryUrl, securityProfile: security.profile },
    'registered',
  );
  const resolveUrl = async () => {
    if (firstUrl !== null) {
      const url = firstUrl;
      firstUrl = null;
      return url;
    }
    registration = await register();
    logger.info({ executorId: options.executorId }, 're-registered');
    return registration.url;
  };

  const prepared = await prepareSessionTable(logger, options);
  const { limits } = prepared;
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
    security: identity === undefined ? 'cleartext' : 'secure',
    logger: logger.child({ part: 'relay' }),
  });
  const sessions = prepared.create(endpoint);
  const acceptor =
    identity === undefined
      ? undefined
      : new SecureAcceptor({
          identity,
          executorId: options.executorId,
          registrationId: () => registration.registrationId as string,
          localPolicy: security.profile === SECURE_PROFILE ? security.localPolicy : undefined,
          validate: (harnessPublicKey, authorization, registrationId) =>
            validateHarnessKey({ ...options, registrationId, harnessPublicKey, authorization }),
          endpoint,
          logger,
        });
  endpoint.onStream((stream) => {
    const streamLogger = logger.child({ streamId: stream.streamId });
    streamLogger.info({ kind: stream.kind }, 'stream opened');
    const serve = (messages: MessageStream, owner: SessionOwner) => {
      const processor = new ConnectionProcessor(streamTransport(messages), sessions, streamLogger, owner);
      expireWhenSuspended(messages, processor, sessions);
    };
    if (acceptor === undefined) return serve(stream, SessionOwners.rendezvous(stream.owner));
    acceptor.accept(stream).then(
      (secured) => {
        if (secured) serve(secured.messages, SessionOwners.harnessKey(secured.harnessKey.fingerprint()));
      },
      (err: Error) => {
        streamLogger.error({ err: err.message }, 'secure stream not served');
        stream.reset(ResetReason.SecureRelayProtocolError);
      },
    );
  });
  endpoint.onConnectionState((state, error) => {
    if (error) logger.error({ state, error: error.message }, 'relay connection failed');
    else logger.info({ state }, 'relay connection');
  });
  return {
    endpoint,
    sessions,
    publicKey: identity?.publicKey,
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
 * Once it has stayed suspended as long as a detached session waits (the
 * TTL, or the outage allowance while the executor cannot reach the
 * rendezvous) — the stream reopens only when the peer is heard, a reconnect
 * alone does not count — the stream is reset with `session_expired` and
 * its session ends with its processes, as a detached session would.
 */
function expireWhenSuspended(
  stream: MessageStream,
  processor: ConnectionProcessor,
  sessions: SessionTable,
): void {
  let cancelExpiry: (() => void) | undefined;
  const cancel = () => {
    cancelExpiry?.();
    cancelExpiry = undefined;
  };
  stream.onReset(cancel);
  stream.onStateChange((state) => {
    if (state !== 'suspended') return cancel();
    cancelExpiry ??= sessions.expiry.start(() => {
      const sessionId = processor.sessionId;
      stream.reset(ResetReason.SessionExpired);
      if (sessionId !== null) sessions.expire(sessionId);
    });
  });
}
