import type { RelayStats } from '../worker/counters.ts';
import { callRegistry } from './client.ts';
import type { RendezvousTarget } from './connect.ts';
import { type RegistryRole, RendezvousError, registryFailure } from './errors.ts';

export type { RelayStats } from '../worker/counters.ts';

function isCounts(value: unknown): value is Record<string, number> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Object.values(value).every((n) => typeof n === 'number' && Number.isFinite(n))
  );
}

function isRelayStats(answer: Record<string, unknown>): boolean {
  return (
    typeof answer.executor_id === 'string' &&
    isCounts(answer.frames) &&
    isCounts(answer.bytes) &&
    isCounts(answer.drops) &&
    isCounts(answer.sockets) &&
    typeof answer.streams === 'number' &&
    typeof answer.object_starts === 'number' &&
    (answer.executor_instance === null || typeof answer.executor_instance === 'string')
  );
}

/**
 * The rendezvous' view of one executor: `GET {registry}/cloud/{family}/{id}/stats`
 * (the target's path family) with a harness or an executor token (`role`
 * names it in errors). Throws RendezvousRejectedError (bad token, wrong
 * executor) or RendezvousError (unreachable, 5xx, an answer that is not the
 * stats).
 */
export async function requestRelayStats(target: RendezvousTarget, role: RegistryRole): Promise<RelayStats> {
  const result = await callRegistry({ ...target, action: 'stats' });
  if (!result.ok) throw registryFailure(result, role, target);
  if (!isRelayStats(result.answer))
    throw new RendezvousError(`rendezvous ${target.registryUrl} answered something other than stats`, 200);
  return result.answer as unknown as RelayStats;
}
