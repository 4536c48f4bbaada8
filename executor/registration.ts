import { randomUUID } from 'node:crypto';
import { FatalConnectError } from '../endpoint/api.ts';
import { callRegistry } from '../proto/registry.ts';

export interface RegistrationOptions {
  registryUrl: string;
  executorId: string;
  token: string;
}

/** Random id of this executor process: the rendezvous tells a restart from a reconnect by it. */
const PROCESS_INSTANCE_ID = randomUUID();

/**
 * Registers with the registry and returns the WebSocket URL (with its
 * ticket). Rejections that retrying cannot fix throw FatalConnectError;
 * network failures and server errors throw plain errors (retried).
 */
export async function registerExecutor(options: RegistrationOptions): Promise<string> {
  const result = await callRegistry({
    ...options,
    action: 'register',
    body: { instance: PROCESS_INSTANCE_ID },
  });
  if (result.ok) return result.url;
  switch (result.kind) {
    case 'invalid':
      throw new FatalConnectError(result.detail);
    case 'unreachable':
      throw new Error(`registry ${options.registryUrl} unreachable: ${result.detail}`);
    case 'malformed':
      throw new Error('registry answer has no ws(s):// url');
    case 'status': {
      const detail = result.detail ? `: ${result.detail}` : '';
      if (result.status === 401 || result.status === 403) {
        throw new FatalConnectError(
          `registry rejected the executor token (${result.status}${detail}) for executor ${options.executorId}`,
        );
      }
      if (result.status === 404 || result.status === 400) {
        throw new FatalConnectError(
          `registry refused executor ${options.executorId} (${result.status}${detail})`,
        );
      }
      throw new Error(`registry answered ${result.status}${detail}`);
    }
  }
}
