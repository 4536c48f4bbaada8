/** The shared shape of the attack tests: a fresh stack each, a memory ceiling, a well-behaved harness served throughout. */
import { afterEach, expect } from 'vitest';
import type { HarnessClient } from '../../harness/index.ts';
import type { SecurityProfile } from '../../proto/secure-relay.ts';
import { inMiB, underMemoryCeiling } from '../../sim/attack/memory.ts';
import { type ProbeResult, startProber } from '../../sim/attack/prober.ts';
import type { AttackTarget } from '../../sim/attack/raw-harness.ts';
import { MiB } from '../../sim/memory.ts';
import { FAST_EXECUTOR_ARGS, type Stack, startStack } from '../../sim/stack.ts';

/** What the executor's resident memory must stay under through every attack. */
export const RSS_CEILING = 300 * MiB;

/** Starts a stack per test (so the executor's peak memory is the test's own) in `securityProfile`, disposed after it. */
export function useAttackStack(seed: number): { start(securityProfile: SecurityProfile): Promise<Stack> } {
  let stack: Stack | undefined;
  afterEach(async () => {
    await stack?.dispose();
    stack = undefined;
  });
  return {
    async start(securityProfile) {
      stack = await startStack({ seed, securityProfile, executorArgs: FAST_EXECUTOR_ARGS });
      return stack;
    },
  };
}

/** A harness's way to the stack's executor, for the attack tools. */
export async function attackTarget(stack: Stack): Promise<AttackTarget> {
  return {
    registryUrl: stack.registryUrl,
    executorId: stack.executorId,
    token: await stack.harnessToken(),
    securityProfile: stack.securityProfile,
  };
}

/**
 * Runs `attack` against the stack's executor under the memory ceiling while
 * a well-behaved harness keeps making round trips, and checks that harness
 * still runs a command afterwards. Returns the attack's result.
 */
export async function duringFlood<T>(stack: Stack, attack: () => Promise<T>): Promise<T> {
  const bystander: HarnessClient = await stack.harness();
  const prober = startProber(bystander);
  let outcome: { result: T; peak: number };
  let probed: ProbeResult;
  try {
    outcome = await underMemoryCeiling(stack.executor.pid, RSS_CEILING, attack);
  } finally {
    probed = await prober.stop();
  }
  console.info(`executor peak resident memory: ${inMiB(outcome.peak)}`);
  expect(probed.error).toBeUndefined();
  expect(probed.roundTrips).toBeGreaterThan(0);
  const after = await bystander.run(['sh', '-c', 'echo served', stack.marker]);
  expect(Buffer.from(after.stdout).toString()).toBe('served\n');
  return outcome.result;
}
