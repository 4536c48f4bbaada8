/**
 * Harness key authorizations an executor can check by itself (beyond
 * upstream, where only the registry can): a trust anchor, an Ed25519 key,
 * signs a statement binding one harness key to one executor, one
 * registration (or `*` for any) and an expiry.
 *
 * Token: `relaykit-harness-authorization-v1.<payload>.<signature>`, both
 * parts base64url without padding; the signature covers the token up to
 * the second dot (JWS style), the payload is the JSON
 * `{harness_key, executor_id, registration_id, expires_at}` with
 * `harness_key` the public key's fingerprint and `expires_at` in Unix seconds.
 */
import { createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { SecureChannelError } from './errors.ts';
import { MAX_AUTHORIZATION_BYTES } from './handshake.ts';
import { exactObject, parseJson } from './json.ts';
import type { NoisePublicKey } from './public-key.ts';

const PREFIX = 'relaykit-harness-authorization-v1';
const ANY_REGISTRATION = '*';
const ED25519_KEY_LEN = 32;
const ED25519_SIGNATURE_LEN = 64;
const FIELDS = ['harness_key', 'executor_id', 'registration_id', 'expires_at'];

export type AuthorizationFailure =
  | 'too_long'
  | 'malformed'
  | 'bad_signature'
  | 'expired'
  | 'wrong_harness_key'
  | 'wrong_executor'
  | 'wrong_registration'
  | 'not_allowed';

export type AuthorizationCheck = { ok: true } | { ok: false; reason: AuthorizationFailure };

export interface HarnessGrant {
  harnessPublicKey: NoisePublicKey;
  executorId: string;
  /** One registration, or `*` for every registration of the executor. */
  registrationId: string;
  expiresAt: Date;
}

interface Statement {
  harness_key: string;
  executor_id: string;
  registration_id: string;
  expires_at: number;
}

function requireEd25519(key: KeyObject, type: 'private' | 'public'): void {
  if (key.type !== type || key.asymmetricKeyType !== 'ed25519') {
    throw new SecureChannelError('invalid_trust_anchor', `trust anchor must be an Ed25519 ${type} key`);
  }
}

/** A trust anchor's public key from its raw 32 bytes in standard base64. */
export function parseTrustAnchor(text: string): KeyObject {
  const raw = decodeBase64(text.trim());
  if (raw?.length !== ED25519_KEY_LEN) {
    throw new SecureChannelError(
      'invalid_trust_anchor',
      'trust anchor must be a 32-byte Ed25519 key in base64',
    );
  }
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: encodeBase64(raw, 'base64url') },
    format: 'jwk',
  });
}

export function formatTrustAnchor(publicKey: KeyObject): string {
  requireEd25519(publicKey, 'public');
  return Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url').toString('base64');
}

export function signHarnessAuthorization(anchorPrivateKey: KeyObject, grant: HarnessGrant): string {
  requireEd25519(anchorPrivateKey, 'private');
  const expiresAt = grant.expiresAt.getTime();
  if (!Number.isFinite(expiresAt) || grant.executorId === '' || grant.registrationId === '') {
    throw new RangeError('a grant needs an executor id, a registration id and a valid expiry');
  }
  const statement: Statement = {
    harness_key: grant.harnessPublicKey.fingerprint(),
    executor_id: grant.executorId,
    registration_id: grant.registrationId,
    expires_at: Math.floor(expiresAt / 1000),
  };
  const signed = `${PREFIX}.${encodeBase64(Buffer.from(JSON.stringify(statement)), 'base64url')}`;
  const signature = sign(null, Buffer.from(signed), anchorPrivateKey);
  const token = `${signed}.${encodeBase64(signature, 'base64url')}`;
  if (Buffer.byteLength(token) > MAX_AUTHORIZATION_BYTES) {
    throw new SecureChannelError(
      'authorization_too_long',
      `authorization of ${Buffer.byteLength(token)} bytes`,
    );
  }
  return token;
}

function parseStatement(payload: Uint8Array): Statement | undefined {
  const malformed = () => new Error('malformed');
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payload);
    const record = exactObject(parseJson(text, malformed), FIELDS, malformed);
    const ids = [record.harness_key, record.executor_id, record.registration_id];
    const valid =
      ids.every((id) => typeof id === 'string' && id !== '') && Number.isSafeInteger(record.expires_at);
    return valid ? (record as unknown as Statement) : undefined;
  } catch {
    return undefined;
  }
}

export interface AuthorizationRequest {
  authorization: string;
  /** The key the handshake authenticated. */
  harnessPublicKey: NoisePublicKey;
  executorId: string;
  registrationId: string;
  now: Date;
}

const fail = (reason: AuthorizationFailure): AuthorizationCheck => ({ ok: false, reason });

/** Checks a token against the anchors; its content counts only once the signature holds. */
export function verifyHarnessAuthorization(
  anchorPublicKeys: readonly KeyObject[],
  request: AuthorizationRequest,
): AuthorizationCheck {
  const { authorization } = request;
  if (Buffer.byteLength(authorization) > MAX_AUTHORIZATION_BYTES) return fail('too_long');
  const parts = authorization.split('.');
  if (parts.length !== 3 || parts[0] !== PREFIX) return fail('malformed');
  const payload = decodeBase64(parts[1], 'base64url');
  const signature = decodeBase64(parts[2], 'base64url');
  const statement = payload === undefined ? undefined : parseStatement(payload);
  if (statement === undefined || signature?.length !== ED25519_SIGNATURE_LEN) return fail('malformed');
  const signed = Buffer.from(`${parts[0]}.${parts[1]}`);
  const anchors = anchorPublicKeys.filter(
    (key) => key.type === 'public' && key.asymmetricKeyType === 'ed25519',
  );
  if (!anchors.some((anchor) => verify(null, signed, anchor, signature))) return fail('bad_signature');
  if (request.now.getTime() >= statement.expires_at * 1000) return fail('expired');
  if (statement.harness_key !== request.harnessPublicKey.fingerprint()) return fail('wrong_harness_key');
  if (statement.executor_id !== request.executorId) return fail('wrong_executor');
  const registrations = [ANY_REGISTRATION, request.registrationId];
  if (!registrations.includes(statement.registration_id)) return fail('wrong_registration');
  return { ok: true };
}
