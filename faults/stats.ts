export interface DirectionStats {
  /** Binary frames received from the sending side. */
  seen: number;
  /** Frames (binary and text, duplicates included) written to the receiving side. */
  forwarded: number;
  dropped: number;
  duplicated: number;
  /** Frames held back and released later. */
  reordered: number;
  corrupted: number;
  truncated: number;
  /** Frames of any kind discarded by a blackhole. */
  blackholed: number;
  /** Text frames received (forwarded untouched). */
  text: number;
  pings: number;
  pongs: number;
}

export type KillMode = 'clean' | 'abrupt' | 'halfOpen';

export interface FaultProxyStats {
  upstream: DirectionStats;
  downstream: DirectionStats;
  connections: {
    /** Client sockets accepted (their upstream opened). */
    opened: number;
    /** Still forwarding (half-open ones excluded). */
    active: number;
    /** Upgrades the target refused or could not be reached for. */
    rejected: number;
  };
  kills: Record<KillMode, number>;
  httpRequests: number;
}

function emptyDirectionStats(): DirectionStats {
  return {
    seen: 0,
    forwarded: 0,
    dropped: 0,
    duplicated: 0,
    reordered: 0,
    corrupted: 0,
    truncated: 0,
    blackholed: 0,
    text: 0,
    pings: 0,
    pongs: 0,
  };
}

export function emptyStats(): FaultProxyStats {
  return {
    upstream: emptyDirectionStats(),
    downstream: emptyDirectionStats(),
    connections: { opened: 0, active: 0, rejected: 0 },
    kills: { clean: 0, abrupt: 0, halfOpen: 0 },
    httpRequests: 0,
  };
}

export function copyStats(stats: FaultProxyStats): FaultProxyStats {
  return {
    upstream: { ...stats.upstream },
    downstream: { ...stats.downstream },
    connections: { ...stats.connections },
    kills: { ...stats.kills },
    httpRequests: stats.httpRequests,
  };
}
