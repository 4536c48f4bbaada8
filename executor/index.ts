/**
 * The exec-server (DESIGN.md §5): JSON-RPC sessions, processes and files,
 * served on a loopback WebSocket (local mode) or through a rendezvous
 * (remote mode).
 */

export type { ContainmentMode } from './containment/process-tree.ts';
export { DEFAULT_LIMITS, type ExecutorLimits, resolveLimits } from './limits.ts';
export {
  type ExecutorTuning,
  type LocalExecutor,
  startLocalExecutor,
} from './local-executor.ts';
export { parseListenUrl } from './local-server.ts';
export { createLogger, LOG_LEVELS, type LogLevel, silentLogger } from './logger.ts';
export type { MetricsSources } from './metrics.ts';
export { type MetricsServer, parseMetricsListen, startMetricsServer } from './metrics-server.ts';
export type { SpawnHelperUse } from './process/helper-spawner.ts';
export { type PtySupport, ptySupport } from './process/pty-support.ts';
export {
  type ExecutorSecurity,
  type RemoteExecutor,
  type RemoteExecutorOptions,
  startRemoteExecutor,
} from './remote-executor.ts';
export { SECURE_RELAY_LIMITS } from './secure-acceptor.ts';
export {
  DEFAULT_OUTAGE_ALLOWANCE_MS,
  DEFAULT_RETAIN_BYTES,
  DEFAULT_SESSION_TTL_MS,
  type SessionCounts,
  type SessionTable,
} from './session-table.ts';
