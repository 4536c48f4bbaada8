import { randomUUID } from 'node:crypto';
import type { RegisterRequest, RegistryPathFamily } from '../proto/registry.ts';
import { type NoisePublicKeyJson, SECURE_PROFILE } from '../proto/secure-relay.ts';
import { callRegistry, socketUrlOf } from './client.ts';
import { RendezvousRejectedError, registryFailure } from './errors.ts';

export interface RegistrationOptions {
  registryUrl: string;
  executorId: string;
  token: string;
  pathFamily?: RegistryPathFamily;
  /** The executor's static key: it registers for the secure relay (`noise_hybrid_ik_v1`). */
  publicKey?: NoisePublicKeyJson;
}

export interface Registration {
  /** The WebSocket URL, with its ticket. */
  url: string;
  /** Secure registrations: what handshake prologues and harness authorizations bind. */
  registrationId?: string;
}

/** Random id of this executor process: the rendezvous tells a restart from a reconnect by it. */
const PROCESS_INSTANCE_ID = randomUUID();

/**
 * Registers with the registry and returns the WebSocket URL (with its
 * ticket) and, for a secure registration, its id. Throws
 * RendezvousRejectedError (a FatalConnectError) when retrying cannot help
 * and RendezvousError when it may.
 */
export async function registerExecutor(options: RegistrationOptions): Promise<Registration> {
  const body: RegisterRequest = { instance: PROCESS_INSTANCE_ID };
  if (options.publicKey !== undefined) {
    body.security_profile = SECURE_PROFILE;
    body.executor_public_key = options.publicKey;
  }
  const result = await callRegistry({ ...options, action: 'register', body });
  const url = result.ok ? socketUrlOf(result.answer) : undefined;
  if (!result.ok || url === undefined) {
    throw registryFailure(result.ok ? { ok: false, kind: 'malformed' } : result, 'executor', options);
  }
  if (options.publicKey === undefined) return { url };
  const { security_profile: profile, executor_registration_id: registrationId } = result.answer;
  if (profile !== SECURE_PROFILE || typeof registrationId !== 'string' || registrationId.trim() === '') {
    throw new RendezvousRejectedError(
      `rendezvous ${options.registryUrl} does not serve the secure relay (its answer has no ${SECURE_PROFILE} registration); update it, or run the executor with --security-profile cleartext`,
      200,
    );
  }
  return { url, registrationId };
}
