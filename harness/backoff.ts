import { jitteredDelay } from '../endpoint/index.ts';

export interface ReconnectPolicy {
  /** First delay before a reconnect attempt. */
  initialDelayMs: number;
  /** Cap of the exponentially growing delay. */
  maxDelayMs: number;
  /** Stop trying after this long without a connection; pending work then fails. */
  giveUpAfterMs: number;
}

export const defaultReconnectPolicy: ReconnectPolicy = {
  initialDelayMs: 200,
  maxDelayMs: 5_000,
  giveUpAfterMs: 60_000,
};

/** Delay before reconnect attempt `attempt` (0-based); `random` is in [0, 1). */
export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: number): number {
  return jitteredDelay(policy.initialDelayMs, policy.maxDelayMs, attempt, random);
}
