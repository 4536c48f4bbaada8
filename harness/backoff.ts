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

/**
 * Delay before reconnect attempt `attempt` (0-based): exponential from the
 * initial delay, capped, with "equal jitter" so many clients do not retry in
 * lockstep. `random` is in [0, 1).
 */
export function backoffDelay(policy: ReconnectPolicy, attempt: number, random: number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + (ceiling / 2) * random;
}
