import type { ValidateRequest } from '../proto/registry.ts';
import type { NoisePublicKeyJson } from '../proto/secure-relay.ts';
import { callRegistry } from './client.ts';
import { RendezvousError, registryFailure } from './errors.ts';
import type { RegistrationOptions } from './register.ts';

/** Upstream's executor gives the registry this long to validate a harness key. */
export const VALIDATION_TIMEOUT_MS = 10_000;

export interface ValidationRequest extends Omit<RegistrationOptions, 'publicKey'> {
  registrationId: string;
  harnessPublicKey: NoisePublicKeyJson;
  /** Sent back to the registry as the harness gave it; never logged. */
  authorization: string;
}

/**
 * Asks the registry whether a harness key's authorization holds for this
 * executor's registration (`POST …/validate`, 10 s at most). Resolves with
 * its `valid`; throws when it did not answer one (the body of an error
 * answer is not read: it may echo the authorization).
 */
export async function validateHarnessKey(request: ValidationRequest): Promise<boolean> {
  const body: ValidateRequest = {
    executor_registration_id: request.registrationId,
    harness_public_key: request.harnessPublicKey,
    harness_key_authorization: request.authorization,
  };
  const result = await callRegistry({
    ...request,
    action: 'validate',
    body,
    signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
    errorBody: 'ignore',
  });
  if (!result.ok) throw registryFailure(result, 'executor', request);
  const valid = result.answer.valid;
  if (typeof valid !== 'boolean') {
    throw new RendezvousError(`rendezvous ${request.registryUrl} answered validate without \`valid\``, 200);
  }
  return valid;
}
