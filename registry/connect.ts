import type { RegistryPathFamily } from '../proto/registry.ts';
import { callRegistry, socketUrlOf } from './client.ts';
import { registryFailure } from './errors.ts';

export interface RendezvousTarget {
  registryUrl: string;
  executorId: string;
  token: string;
  /** Default `executor` (/cloud/executor/{id}/connect); `environment` for upstream's newer registries. */
  pathFamily?: RegistryPathFamily;
}

/**
 * Asks the rendezvous for a harness WebSocket URL (with a fresh ticket):
 * `POST {registry}/cloud/executor/{id}/connect` (or `/cloud/environment/…`) with the harness token.
 * Throws RendezvousRejectedError or RendezvousError (see registryFailure).
 */
export async function requestConnectUrl(target: RendezvousTarget, signal?: AbortSignal): Promise<string> {
  const result = await callRegistry({ ...target, action: 'connect', ...(signal && { signal }) });
  const url = result.ok ? socketUrlOf(result.answer) : undefined;
  if (url !== undefined) return url;
  throw registryFailure(result.ok ? { ok: false, kind: 'malformed' } : result, 'harness', target);
}
