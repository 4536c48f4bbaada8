import type { KeyObject } from 'node:crypto';
import type { AllowedHarnessKeys } from './allowed-keys.ts';
import {
  type AuthorizationCheck,
  type AuthorizationRequest,
  verifyHarnessAuthorization,
} from './harness-authorization.ts';

/** What an executor trusts without asking the registry. */
export interface LocalHarnessPolicy {
  allowedKeys?: AllowedHarnessKeys;
  trustAnchors?: readonly KeyObject[];
}

/**
 * Accepts a listed harness key, or else an authorization signed by one of
 * the trust anchors; the failure names the anchor check's reason when
 * anchors are configured.
 */
export function authorizeHarnessLocally(
  policy: LocalHarnessPolicy,
  request: AuthorizationRequest,
): AuthorizationCheck {
  if (policy.allowedKeys?.allows(request.harnessPublicKey)) return { ok: true };
  const anchors = policy.trustAnchors ?? [];
  if (anchors.length === 0) return { ok: false, reason: 'not_allowed' };
  return verifyHarnessAuthorization(anchors, request);
}
