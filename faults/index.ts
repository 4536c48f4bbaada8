export { type Emission, type FrameDecision, FramePlanner, flipBits } from './fault-plan.ts';
export {
  type ConnectionFilter,
  connectionSeed,
  type FaultProxy,
  type FaultProxyOptions,
  type ProxyEvent,
  type ScheduledKills,
  startFaultProxy,
} from './fault-proxy.ts';
export {
  DIRECTIONS,
  type Direction,
  type FaultSettings,
  NO_FAULTS,
  normalizeFaults,
} from './fault-settings.ts';
export { rewriteSocketUrl, rewriteUrlField } from './http-pass-through.ts';
export { OrderedDelay } from './ordered-delay.ts';
export { createPrng, deriveSeed, type Prng } from './prng.ts';
export type { ConnectionInfo, ConnectionState, FrameFate, FrameObserver } from './proxy-connection.ts';
export type { DirectionStats, FaultProxyStats, KillMode } from './stats.ts';
