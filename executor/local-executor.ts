import type { Logger } from 'pino';
import { startLocalServer } from './local-server.ts';
import { warnIfNoPty } from './process/pty-support.ts';
import { DEFAULT_RETAIN_BYTES, DEFAULT_SESSION_TTL_MS, SessionTable } from './session-table.ts';

export interface ExecutorTuning {
  /** Detached-session lifetime (default 30 s). */
  sessionTtlMs?: number;
  /** Retained output per process (default 1 MiB). */
  retainBytes?: number;
}

export interface LocalExecutor {
  readonly url: string;
  readonly sessions: SessionTable;
  /** Kills every process group and closes the server. */
  close(): Promise<void>;
}

export function createSessionTable(logger: Logger, tuning: ExecutorTuning = {}): SessionTable {
  return new SessionTable({
    sessionTtlMs: tuning.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
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
