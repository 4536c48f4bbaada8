/** Deployment settings read from the worker's environment (wrangler `[vars]` or secrets). */

export interface Env {
  EXECUTOR_RELAY: DurableObjectNamespace;
  SIGNING_KEY: string;
  /** Streams one harness socket may claim (default 128). */
  MAX_STREAMS_PER_HARNESS_SOCKET?: string;
  /** Harness sockets one executor id accepts at once (default 64). */
  MAX_HARNESS_SOCKETS?: string;
  /** New streams one harness socket may claim per second, on average (default 32). */
  NEW_STREAMS_PER_SECOND?: string;
  /** New streams one harness socket may claim at once, before the rate applies (default 128). */
  NEW_STREAM_BURST?: string;
  /** Seconds a claim is kept without an answer from the executor, or after its socket closed (default 60). */
  CLAIM_TIMEOUT_SECONDS?: string;
  /** Lifetime of a WebSocket ticket in seconds (default 60). */
  TICKET_TTL_SECONDS?: string;
}

export interface RelayLimits {
  maxStreamsPerHarnessSocket: number;
  maxHarnessSockets: number;
  newStreamsPerSecond: number;
  newStreamBurst: number;
  claimTimeoutMs: number;
}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

export function relayLimits(env: Env): RelayLimits {
  return {
    maxStreamsPerHarnessSocket: positiveInt(env.MAX_STREAMS_PER_HARNESS_SOCKET, 128),
    maxHarnessSockets: positiveInt(env.MAX_HARNESS_SOCKETS, 64),
    newStreamsPerSecond: positiveInt(env.NEW_STREAMS_PER_SECOND, 32),
    newStreamBurst: positiveInt(env.NEW_STREAM_BURST, 128),
    claimTimeoutMs: positiveInt(env.CLAIM_TIMEOUT_SECONDS, 60) * 1000,
  };
}

export function ticketTtlSeconds(env: Env): number {
  return positiveInt(env.TICKET_TTL_SECONDS, 60);
}
