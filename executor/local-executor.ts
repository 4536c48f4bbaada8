import type { Logger } from 'pino';
import { startLocalServer } from './local-server.ts';
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
}

export interface LocalExecutor {
  readonly url: string;
  readonly sessions: SessionTable;
  /** Kills every process group and closes the server. */
  close(): Promise<void>;
}

/** The session table; in remote mode `reachability` is the relay endpoint's. */
export function createSessionTable(
  logger: Logger,
  tuning: ExecutorTuning = {},
  reachability?: ReachabilitySource,
): SessionTable {
  const rules = {
    sessionTtlMs: tuning.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    outageAllowanceMs: tuning.outageAllowanceMs ?? DEFAULT_OUTAGE_ALLOWANCE_MS,
  };
  return new SessionTable({
    expiry: new ExpiryClock(rules, reachability),
    retainBytes: tuning.retainBytes ?? DEFAULT_RETAIN_BYTES,
    logger,
  });
}

/** Starts a local-mode executor (loopback WebSocket, plain JSON-RPC). */
export async function startLocalExecutor(
  listen: { host: string; port: number },
  logger: Logger,
  tuning: ExecutorTuning = {},
): Promise<LocalExecutor> {
  await warnIfNoPty(logger);
  const sessions = createSessionTable(logger, tuning);
  const server = await startLocalServer(listen, sessions, logger);
  return {
    url: server.url,
    sessions,
    close: async () => {
      sessions.shutdown();
      await server.close();
    },
  };
}
