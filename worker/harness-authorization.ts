/**
 * The short-lived harness key authorization the registry hands a harness in
 * its connect answer (DESIGN.md §9): an HS256 JWT signed with SIGNING_KEY,
 * told apart from tokens and tickets by its `typ`, binding the SHA-256
 * fingerprint of the harness key's canonical JSON (`hkf`), the executor id
 * (`eid`), the executor's registration (`reg`), the harness identity (`sub`)
 * and an expiry. Only this registry can check it (`POST …/validate`).
 *
 * Pure: jose and Web Crypto, time passed in.
 */
import { base64url, jwtVerify, SignJWT } from 'jose';
import { canonicalPublicKeyJson, type NoisePublicKeyJson } from '../proto/secure-relay.ts';
import { signingKeyBytes } from './tokens.ts';

const AUTHORIZATION_TYPE = 'relaykit-harness-authorization+jwt';

/** How long a harness may use the bundle of one connect answer to open streams. */
export const AUTHORIZATION_TTL_SECONDS = 300;

/** base64url(SHA-256(canonical key JSON)), as secure/'s NoisePublicKey.fingerprint(). */
export async function publicKeyFingerprint(key: NoisePublicKeyJson): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonicalPublicKeyJson(key)));
  return base64url.encode(new Uint8Array(digest));
}

export interface AuthorizationClaims {
  harnessPublicKey: NoisePublicKeyJson;
  executorId: string;
  registrationId: string;
  /** The harness token's subject. */
  harnessIdentity: string;
}

export async function mintHarnessAuthorization(
  signingKey: string,
  claims: AuthorizationClaims,
  now: number,
): Promise<string> {
  return new SignJWT({
    hkf: await publicKeyFingerprint(claims.harnessPublicKey),
    eid: claims.executorId,
    reg: claims.registrationId,
  })
    .setProtectedHeader({ alg: 'HS256', typ: AUTHORIZATION_TYPE })
    .setSubject(claims.harnessIdentity)
    .setIssuedAt(now)
    .setExpirationTime(now + AUTHORIZATION_TTL_SECONDS)
    .sign(signingKeyBytes(signingKey));
}

/**
 * Whether `authorization` is this registry's, unexpired at `now`, and binds
 * exactly this harness key, executor and registration. Never throws.
 */
export async function harnessAuthorizationHolds(
  signingKey: string,
  authorization: string,
  expected: Omit<AuthorizationClaims, 'harnessIdentity'>,
  now: number,
): Promise<boolean> {
  try {
    const { payload } = await jwtVerify(authorization, signingKeyBytes(signingKey), {
      algorithms: ['HS256'],
      typ: AUTHORIZATION_TYPE,
      currentDate: new Date(now * 1000),
      requiredClaims: ['exp', 'sub'],
    });
    return (
      payload.eid === expected.executorId &&
      payload.reg === expected.registrationId &&
      payload.hkf === (await publicKeyFingerprint(expected.harnessPublicKey))
    );
  } catch {
    return false;
  }
}
