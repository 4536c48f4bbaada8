import type { Logger } from 'pino';
import { defaultStateDirectory } from './containment/instance-records.ts';
import type { ContainmentMode } from './containment/process-tree.ts';
import { startContainment } from './containment/start-containment.ts';
import { type ExecutorLimits, resolveLimits } from './limits.ts';
import { startLocalServer } from './local-server.ts';
import type { SpawnHelperUse } from './process/helper-spawner.ts';
import { warnIfNoPty } from './process/pty-support.ts';
import { ExpiryClock, type ReachabilitySource } from './session-expiry.ts';
import {
  DEFAULT_OUTAGE_ALLOWANCE_MS,
  DEFAULT_RETAIN_BYTES,
  DEFAULT_SESSION_TTL_MS,
  SessionTable,
} from './session-table.ts';

export interface ExecutorTuning {
  /** How long a session waits for its harness once one could reach it (default 30 s). */
  sessionTtlMs?: number;
  /** How long it waits while the executor cannot reach the rendezvous (default 10 min; remote mode). */
  outageAllowanceMs?: number;
  /** Retained output per process (default 1 MiB). */
  retainBytes?: number;
  /** How started processes are contained (default `auto`: a cgroup each where possible, else process groups). */
  containment?: 'auto' | ContainmentMode;
  /** Where the executor records what it started, for a successor to reap (default: `defaultStateDirectory()`; null: nowhere). */
  stateDirectory?: string | null;
  /** What peers can make the executor hold (defaults: DEFAULT_LIMITS). */
  limits?: Partial<ExecutorLimits>;
  /** When processes on pipes are forked by the spawn helper rather than the executor (default `burst`). */
  spawnHelper?: SpawnHelperUse;
}

export interface LocalExecutor {
  readonly url: string;
  readonly sessions: SessionTable;
  /** Kills every process tree and closes the server. */
  close(): Promise<void>;
}

/**
 * Sets up process containment (leftovers of a killed predecessor reaped),
 * then makes the session table; in remote mode `reachability` is the relay
 * endpoint's, which connects once containment is ready.
 */
export async function prepareSessionTable(
  logger: Logger,
  tuning: ExecutorTuning = {},
): Promise<{ limits: ExecutorLimits; create(reachability?: ReachabilitySource): SessionTable }> {
  const limits = resolveLimits(tuning.limits);
  const containment = await startContainment({
    mode: tuning.containment,
    stateDirectory: tuning.stateDirectory === undefined ? defaultStateDirectory() : tuning.stateDirectory,
    logger,
  });
  const rules = {
    sessionTtlMs: tuning.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    outageAllowanceMs: tuning.outageAllowanceMs ?? DEFAULT_OUTAGE_ALLOWANCE_MS,
  };
  const create = (reachability?: ReachabilitySource) =>
    new SessionTable({
      expiry: new ExpiryClock(rules, reachability),
      retainBytes: tuning.retainBytes ?? DEFAULT_RETAIN_BYTES,
      limits,
      containment,
      spawnHelper: tuning.spawnHelper,
      logger,
    });
  return { limits, create };
}

/** The executor's session table for local mode, where harnesses reach it directly. */
export async function createSessionTable(logger: Logger, tuning: ExecutorTuning = {}): Promise<SessionTable> {
  return (await prepareSessionTable(logger, tuning)).create();
}

/** Starts a local-mode executor (loopback WebSocket, plain JSON-RPC). */
export async function startLocalExecutor(
  listen: { host: string; port: number },
  logger: Logger,
  tuning: ExecutorTuning = {},
): Promise<LocalExecutor> {
  await warnIfNoPty(logger);
  const sessions = await createSessionTable(logger, tuning);
  const server = await startLocalServer(listen, sessions, logger);
  return {
    url: server.url,
    sessions,
    close: async () => {
      // The kills go out first; the connections end before any exit is reported.
      const shutdown = sessions.shutdown();
      await server.close();
      await shutdown;
    },
  };
}
