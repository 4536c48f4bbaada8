import type { ConnectRequest, RegistryPathFamily } from '../proto/registry.ts';
import { checkPublicKeyJson, type NoisePublicKeyJson, SECURE_PROFILE } from '../proto/secure-relay.ts';
import { callRegistry, socketUrlOf } from './client.ts';
import { RendezvousError, registryFailure } from './errors.ts';

export interface RendezvousTarget {
  registryUrl: string;
  executorId: string;
  token: string;
  /** Default `executor` (/cloud/executor/{id}/connect); `environment` for upstream's newer registries. */
  pathFamily?: RegistryPathFamily;
}

/** What a harness needs for the secure relay's handshake, from one connect answer. */
export interface SecureBundle {
  executorPublicKey: NoisePublicKeyJson;
  registrationId: string;
  /** Opaque, short-lived; never logged. */
  authorization: string;
}

export interface ConnectAnswer {
  /** The WebSocket URL, with a fresh ticket. */
  url: string;
  /** Present when the executor registered for the secure relay. */
  secure?: SecureBundle;
}

const nonBlank = (value: unknown): value is string => typeof value === 'string' && value.trim() !== '';

/**
 * Asks the rendezvous for a harness WebSocket URL (with a fresh ticket) and,
 * when `harnessPublicKey` is given and the executor is secure, the bundle of
 * its handshake: `POST {registry}/cloud/executor/{id}/connect` (or
 * `/cloud/environment/…`) with the harness token. Throws
 * RendezvousRejectedError or RendezvousError (see registryFailure).
 */
export async function requestConnect(
  target: RendezvousTarget,
  options: { harnessPublicKey?: NoisePublicKeyJson; signal?: AbortSignal } = {},
): Promise<ConnectAnswer> {
  const body: ConnectRequest | undefined =
    options.harnessPublicKey === undefined ? undefined : { harness_public_key: options.harnessPublicKey };
  const result = await callRegistry({
    ...target,
    action: 'connect',
    ...(body && { body }),
    ...(options.signal && { signal: options.signal }),
  });
  const url = result.ok ? socketUrlOf(result.answer) : undefined;
  if (!result.ok || url === undefined) {
    throw registryFailure(result.ok ? { ok: false, kind: 'malformed' } : result, 'harness', target);
  }
  const answer = result.answer;
  if (answer.security_profile === undefined) return { url };
  const key = checkPublicKeyJson(answer.executor_public_key);
  if (
    answer.security_profile !== SECURE_PROFILE ||
    !key.ok ||
    !nonBlank(answer.executor_registration_id) ||
    !nonBlank(answer.harness_key_authorization)
  ) {
    throw new RendezvousError(`rendezvous ${target.registryUrl} returned incomplete secure relay data`, 200);
  }
  return {
    url,
    secure: {
      executorPublicKey: key.key,
      registrationId: answer.executor_registration_id,
      authorization: answer.harness_key_authorization,
    },
  };
}

/** The harness WebSocket URL alone (a cleartext connect). */
export async function requestConnectUrl(target: RendezvousTarget, signal?: AbortSignal): Promise<string> {
  return (await requestConnect(target, { ...(signal && { signal }) })).url;
}
