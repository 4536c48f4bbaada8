/**
 * The secure relay's public contract (DESIGN.md §9): the suite and profile
 * names, the wire form of a static public key and its strict check, shared
 * by the Node endpoints (secure/, registry/) and the worker. Pure: no I/O,
 * no Node-only APIs.
 */

/** The suite tag in public keys (the name hashed into the handshake spells X25519 `25519`). */
export const NOISE_SUITE = 'Noise_hybridIK_X25519+MLKEM768_AESGCM_SHA256';

/** The registry's `security_profile` for this suite. */
export const SECURE_PROFILE = 'noise_hybrid_ik_v1';

/** How an executor serves its streams: end-to-end Noise, or cleartext (upstream's legacy relay, comparisons). */
export type SecurityProfile = typeof SECURE_PROFILE | 'cleartext';

export const SECURITY_PROFILES: readonly SecurityProfile[] = [SECURE_PROFILE, 'cleartext'];

/** Upstream's executor refuses longer harness key authorizations. */
export const MAX_AUTHORIZATION_BYTES = 4096;

/** Wire form of a public key, as upstream serializes it (serde field order). */
export interface NoisePublicKeyJson {
  suite: string;
  x25519_public_key: string;
  mlkem768_public_key: string;
}

const KEY_FIELDS = ['suite', 'x25519_public_key', 'mlkem768_public_key'] as const;
const X25519_KEY_BYTES = 32;
const MLKEM768_KEY_BYTES = 1184;

/**
 * The byte length of `text` as canonical standard padded base64 (Rust's
 * STANDARD engine: padding required, no stray trailing bits), or undefined.
 */
export function canonicalBase64Length(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0) return undefined;
  const match = /^[A-Za-z0-9+/]*?([A-Za-z0-9+/]?)(=?=?)$/.exec(text);
  if (match === null) return undefined;
  const [, last, padding] = match as unknown as [string, string, string];
  // The last data character of a padded group must leave its unused low bits zero.
  if (padding === '=' && !/[AEIMQUYcgkosw048]/.test(last)) return undefined;
  if (padding === '==' && !/[AQgw]/.test(last)) return undefined;
  return (text.length / 4) * 3 - padding.length;
}

export type PublicKeyCheck = { ok: true; key: NoisePublicKeyJson } | { ok: false; reason: string };

function component(value: unknown, name: string, length: number): string | undefined {
  const decoded = canonicalBase64Length(value);
  if (decoded === undefined) return `invalid ${name} public key`;
  return decoded === length ? undefined : `invalid ${name} public key length`;
}

/**
 * Checks the JSON object form of a public key as upstream's serde does:
 * exactly the three fields, this suite, canonical base64 of 32 and 1184
 * bytes. The reasons are upstream's texts.
 */
export function checkPublicKeyJson(value: unknown): PublicKeyCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, reason: 'not a JSON object' };
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).find((key) => !(KEY_FIELDS as readonly string[]).includes(key));
  if (unknown !== undefined) return { ok: false, reason: `unknown field \`${unknown}\`` };
  const missing = KEY_FIELDS.find((key) => !(key in record));
  if (missing !== undefined) return { ok: false, reason: `missing field \`${missing}\`` };
  if (record.suite !== NOISE_SUITE) return { ok: false, reason: 'unsupported Noise channel suite' };
  const reason =
    component(record.x25519_public_key, 'X25519', X25519_KEY_BYTES) ??
    component(record.mlkem768_public_key, 'ML-KEM-768', MLKEM768_KEY_BYTES);
  if (reason !== undefined) return { ok: false, reason };
  return {
    ok: true,
    key: {
      suite: NOISE_SUITE,
      x25519_public_key: record.x25519_public_key as string,
      mlkem768_public_key: record.mlkem768_public_key as string,
    },
  };
}

/** The canonical JSON text of a key (fixed field order, no spaces): what its fingerprint hashes. */
export function canonicalPublicKeyJson(key: NoisePublicKeyJson): string {
  return JSON.stringify({
    suite: key.suite,
    x25519_public_key: key.x25519_public_key,
    mlkem768_public_key: key.mlkem768_public_key,
  });
}
