import { randomUUID } from 'node:crypto';
import { callRegistry, socketUrlOf } from './client.ts';
import { registryFailure } from './errors.ts';

export interface RegistrationOptions {
  registryUrl: string;
  executorId: string;
  token: string;
}

/** Random id of this executor process: the rendezvous tells a restart from a reconnect by it. */
const PROCESS_INSTANCE_ID = randomUUID();

/**
 * Registers with the registry and returns the WebSocket URL (with its
 * ticket). Throws RendezvousRejectedError (a FatalConnectError) when retrying
 * cannot help and RendezvousError when it may.
 */
export async function registerExecutor(options: RegistrationOptions): Promise<string> {
  const result = await callRegistry({
    ...options,
    action: 'register',
    body: { instance: PROCESS_INSTANCE_ID },
  });
  const url = result.ok ? socketUrlOf(result.answer) : undefined;
  if (url !== undefined) return url;
  throw registryFailure(result.ok ? { ok: false, kind: 'malformed' } : result, 'executor', options);
}
