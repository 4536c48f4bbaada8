import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import {
  DEFAULT_MAX_STREAMS,
  DEFAULT_MAX_STREAMS_PER_OWNER,
  DEFAULT_STREAM_CONFIG,
  FatalConnectError,
  FIXED_500MS_RTO,
  type RtoConfig,
} from '../../endpoint/index.ts';
import {
  createLogger,
  DEFAULT_LIMITS,
  DEFAULT_OUTAGE_ALLOWANCE_MS,
  DEFAULT_RETAIN_BYTES,
  DEFAULT_SESSION_TTL_MS,
  type ExecutorLimits,
  type ExecutorTuning,
  LOG_LEVELS,
  type LogLevel,
  type MetricsServer,
  type MetricsSources,
  parseListenUrl,
  parseMetricsListen,
  type RemoteExecutorOptions,
  resolveLimits,
  startLocalExecutor,
  startMetricsServer,
  startRemoteExecutor,
} from '../../executor/index.ts';
import { positiveInteger } from '../arguments.ts';
import { CliError } from '../errors.ts';
import {
  addExecutorSecurityOptions,
  type ExecutorSecurityFlags,
  executorSecurity,
} from '../executor-security.ts';

/** What each limit bounds, for --help (DESIGN.md §5 has the whole story). */
const LIMIT_FLAGS: { [K in keyof ExecutorLimits]: string } = {
  maxMessageBytes: 'largest JSON-RPC message parsed (larger: an error; over twice this: not read at all)',
  maxInlineBytes: 'most bytes one answer carries as base64 (fs/readFile, buffered http/request body)',
  maxStdinBytes: "stdin bytes one process was given and hasn't read",
  maxStdinBytesTotal: "stdin bytes processes were given and haven't read, across the executor",
  maxPendingReplyBytes: 'answer bytes one stream may have waiting for its send window',
  maxPendingReplyBytesTotal: 'answer bytes waiting for send windows, across the executor',
  maxReassemblyBytes:
    'remote mode: bytes of unfinished relay messages (segments, secure records), across every stream',
  maxMessageSegments: 'remote mode: segments one relay message may be cut into',
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

interface ExecutorFlags extends Partial<ExecutorLimits>, ExecutorSecurityFlags {
  listen?: string;
  registry?: string;
  executorId?: string;
  token?: string;
  logLevel: LogLevel;
  sessionTtlMs: number;
  outageAllowanceMs: number;
  retainBytes: number;
  heartbeatMs?: number;
  pingIntervalMs?: number;
  pongTimeoutMs?: number;
  reconnectInitialMs?: number;
  reconnectMaxMs?: number;
  rto: 'adaptive' | 'fixed-500ms';
  rtoMaxMs?: number;
  maxStreams: number;
  maxStreamsPerHarness: number;
  containment: 'auto' | 'cgroup' | 'process-group';
  stateDir?: string;
  metricsListen?: string;
}

/** Retransmission timing: the adaptive default (optionally capped lower) or upstream's fixed 500 ms. */
function rtoConfig(flags: ExecutorFlags): RtoConfig | undefined {
  if (flags.rto === 'fixed-500ms') {
    if (flags.rtoMaxMs !== undefined) throw new CliError('--rto-max-ms applies to --rto adaptive only', 2);
    return FIXED_500MS_RTO;
  }
  if (flags.rtoMaxMs === undefined) return undefined;
  const adaptive = DEFAULT_STREAM_CONFIG.rto as Extract<RtoConfig, { mode: 'adaptive' }>;
  return {
    mode: 'adaptive',
    maxMs: flags.rtoMaxMs,
    minMs: Math.min(adaptive.minMs, flags.rtoMaxMs),
    initialMs: Math.min(adaptive.initialMs, flags.rtoMaxMs),
  };
}

/** Relay endpoint tuning from the flags; unset flags keep the endpoint's defaults. */
function relayTuning(flags: ExecutorFlags): RemoteExecutorOptions['relay'] {
  const defined = <T extends object>(o: T): Partial<T> =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
  return {
    stream: defined({
      heartbeatMs: flags.heartbeatMs,
      rto: rtoConfig(flags),
    }),
    keepalive: defined({ pingIntervalMs: flags.pingIntervalMs, pongTimeoutMs: flags.pongTimeoutMs }),
    backoff: defined({ initialMs: flags.reconnectInitialMs, maxMs: flags.reconnectMaxMs }),
    maxStreams: flags.maxStreams,
    maxStreamsPerOwner: flags.maxStreamsPerHarness,
  };
}

/** What every mode shares: sessions, processes and their limits. */
function executorTuning(flags: ExecutorFlags): ExecutorTuning {
  const limits = Object.fromEntries(
    Object.keys(LIMIT_FLAGS)
      .map((name) => [name, flags[name as keyof ExecutorLimits]])
      .filter(([, value]) => value !== undefined),
  );
  try {
    resolveLimits(limits);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  return {
    sessionTtlMs: flags.sessionTtlMs,
    retainBytes: flags.retainBytes,
    containment: flags.containment,
    ...(flags.stateDir === undefined ? {} : { stateDirectory: flags.stateDir }),
    limits,
  };
}

/** Checks `--metrics-listen` before anything starts; undefined when metrics are off. */
function metricsAddress(flags: ExecutorFlags): { host: string; port: number } | undefined {
  if (flags.metricsListen === undefined) return undefined;
  try {
    return parseMetricsListen(flags.metricsListen);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
}

/** Serves `/metrics` when asked to, printing where on stdout. */
async function serveMetrics(
  address: { host: string; port: number } | undefined,
  sources: MetricsSources,
): Promise<MetricsServer | undefined> {
  if (address === undefined) return undefined;
  const server = await startMetricsServer(address, sources).catch((err: NodeJS.ErrnoException) => {
    throw new CliError(`cannot serve metrics on ${address.host}:${address.port}: ${err.code ?? err.message}`);
  });
  process.stdout.write(`relaykit executor metrics at ${server.url}\n`);
  return server;
}

/** Resolves once SIGINT or SIGTERM arrives. */
function untilSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      logger.info({ signal }, 'shutting down');
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

async function runLocal(flags: ExecutorFlags & { listen: string }, logger: Logger): Promise<void> {
  let listen: { host: string; port: number };
  try {
    listen = parseListenUrl(flags.listen);
  } catch (err) {
    throw new CliError((err as Error).message, 2);
  }
  const metricsAt = metricsAddress(flags);
  const executor = await startLocalExecutor(listen, logger, executorTuning(flags)).catch(
    (err: NodeJS.ErrnoException) => {
      // Only the listen itself fails with a socket error code; containment and state-dir errors say what they are.
      const listenFailed = err.syscall === 'listen' || err.syscall === 'getaddrinfo';
      throw new CliError(
        listenFailed
          ? `cannot listen on ${flags.listen}: ${err.code ?? err.message}`
          : `cannot start: ${err.message}`,
      );
    },
  );
  process.stdout.write(`relaykit executor listening on ${executor.url}\n`);
  logger.info({ url: executor.url }, 'listening');
  const metrics = await serveMetrics(metricsAt, { sessions: executor.sessions });
  await untilSignal(logger);
  await metrics?.close();
  await executor.close();
}

async function runRemote(flags: ExecutorFlags & { registry: string }, logger: Logger): Promise<void> {
  if (!flags.executorId) throw new CliError('--executor-id is required with --registry', 2);
  const token = flags.token ?? process.env.RELAYKIT_EXECUTOR_TOKEN;
  if (!token) throw new CliError('an executor token is required: --token or RELAYKIT_EXECUTOR_TOKEN', 2);
  try {
    new URL(flags.registry);
  } catch {
    throw new CliError(`--registry must be an http(s) URL, got ${flags.registry}`, 2);
  }
  const security = await executorSecurity(flags);
  const metricsAt = metricsAddress(flags);
  const executor = await startRemoteExecutor({
    registryUrl: flags.registry,
    executorId: flags.executorId,
    token,
    logger,
    security,
    ...executorTuning(flags),
    outageAllowanceMs: flags.outageAllowanceMs,
    relay: relayTuning(flags),
  }).catch((err: Error) => {
    throw new CliError(err instanceof FatalConnectError ? err.message : `cannot register: ${err.message}`);
  });
  const relay = executor.publicKey
    ? `secure relay, executor key ${executor.publicKey.fingerprint()}`
    : 'cleartext relay';
  process.stdout.write(
    `relaykit executor ${flags.executorId} registered with ${flags.registry} (${relay})\n`,
  );
  const metrics = await serveMetrics(metricsAt, executor);
  const gaveUp = new Promise<Error>((resolve) => {
    executor.endpoint.onConnectionState((state, error) => {
      if (state === 'closed' && error) resolve(error);
    });
  });
  const outcome = await Promise.race([untilSignal(logger), gaveUp]);
  await metrics?.close();
  await executor.close();
  if (outcome instanceof Error) throw new CliError(outcome.message);
}

export function executorCommand(): Command {
  const command = addExecutorSecurityOptions(executorFlags());
  for (const [name, description] of Object.entries(LIMIT_FLAGS)) {
    const fallback = DEFAULT_LIMITS[name as keyof ExecutorLimits];
    command.option(`--${kebab(name)} <n>`, `${description} (default ${fallback})`, positiveInteger);
  }
  return command.action(async (flags: ExecutorFlags) => {
    if (flags.listen && flags.registry) throw new CliError('use either --listen or --registry, not both', 2);
    const logger = createLogger(flags.logLevel);
    if (flags.listen) await runLocal({ ...flags, listen: flags.listen }, logger);
    else if (flags.registry) await runRemote({ ...flags, registry: flags.registry }, logger);
    else throw new CliError('one of --listen ws://127.0.0.1:PORT or --registry URL is required', 2);
    process.exit(0);
  });
}

function executorFlags(): Command {
  return new Command('executor')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .option('--listen <url>', 'local mode: serve JSON-RPC on ws://127.0.0.1:PORT (0 picks a free port)')
    .option('--registry <url>', 'remote mode: registry base URL')
    .option('--executor-id <id>', 'remote mode: executor id to register as')
    .option('--token <token>', 'remote mode: executor token (default: $RELAYKIT_EXECUTOR_TOKEN)')
    .addOption(
      new Option('--log-level <level>', 'log level (logs go to stderr)').choices(LOG_LEVELS).default('info'),
    )
    .option(
      '--session-ttl-ms <ms>',
      'how long a session waits for its harness, from the last moment one could reach it',
      positiveInteger,
      DEFAULT_SESSION_TTL_MS,
    )
    .option(
      '--outage-allowance-ms <ms>',
      'remote mode: how long sessions wait while the executor cannot reach the rendezvous',
      positiveInteger,
      DEFAULT_OUTAGE_ALLOWANCE_MS,
    )
    .option('--retain-bytes <n>', 'retained output per process', positiveInteger, DEFAULT_RETAIN_BYTES)
    .addOption(
      new Option(
        '--containment <mode>',
        'how each process tree is contained: a cgroup v2 each (needs a writable cgroup), process groups, or auto',
      )
        .choices(['auto', 'cgroup', 'process-group'])
        .default('auto'),
    )
    .option(
      '--state-dir <dir>',
      'where the executor records what it started, so the next one reaps it after a crash (default $XDG_RUNTIME_DIR/relaykit, else <tmp>/relaykit-<uid>)',
    )
    .option(
      '--heartbeat-ms <ms>',
      'remote mode: idle-stream heartbeat interval (default 15000)',
      positiveInteger,
    )
    .option(
      '--ping-interval-ms <ms>',
      'remote mode: WebSocket ping interval (default 30000)',
      positiveInteger,
    )
    .option(
      '--pong-timeout-ms <ms>',
      'remote mode: socket dead without a pong (default 60000)',
      positiveInteger,
    )
    .option(
      '--reconnect-initial-ms <ms>',
      'remote mode: first reconnect delay (default 1000)',
      positiveInteger,
    )
    .option('--reconnect-max-ms <ms>', 'remote mode: reconnect delay cap (default 30000)', positiveInteger)
    .addOption(
      new Option('--rto <mode>', 'remote mode: retransmission timing')
        .choices(['adaptive', 'fixed-500ms'])
        .default('adaptive'),
    )
    .option('--rto-max-ms <ms>', 'remote mode: retransmission timeout cap (default 30000)', positiveInteger)
    .option(
      '--max-streams <n>',
      'remote mode: concurrent streams in all',
      positiveInteger,
      DEFAULT_MAX_STREAMS,
    )
    .option(
      '--max-streams-per-harness <n>',
      'remote mode: concurrent streams of one harness identity',
      positiveInteger,
      DEFAULT_MAX_STREAMS_PER_OWNER,
    )
    .option(
      '--metrics-listen <host:port>',
      'serve Prometheus metrics at http://HOST:PORT/metrics (loopback only; port 0 picks a free one)',
    );
}
