import {
  canonicalPublicKeyJson,
  checkPublicKeyJson,
  NOISE_SUITE,
  type NoisePublicKeyJson,
} from '../proto/secure-relay.ts';
import { decodeBase64, encodeBase64 } from './base64.ts';
import { SecureChannelError } from './errors.ts';
import { parseJson } from './json.ts';
import { sha256 } from './noise/crypto.ts';
import { MLKEM768 } from './noise/ml-kem.ts';
import { X25519_KEY_LEN } from './noise/x25519.ts';

export { NOISE_SUITE, type NoisePublicKeyJson } from '../proto/secure-relay.ts';

function invalid(reason: string): SecureChannelError {
  return new SecureChannelError('invalid_public_key', `invalid Noise channel public key: ${reason}`);
}

/** A static public key of the hybrid suite: X25519 plus ML-KEM-768. */
export class NoisePublicKey {
  readonly x25519: Uint8Array;
  readonly mlkem768: Uint8Array;

  constructor(x25519: Uint8Array, mlkem768: Uint8Array) {
    if (x25519.length !== X25519_KEY_LEN) throw invalid('invalid X25519 public key length');
    if (mlkem768.length !== MLKEM768.publicKey) throw invalid('invalid ML-KEM-768 public key length');
    this.x25519 = x25519.slice();
    this.mlkem768 = mlkem768.slice();
  }

  /** Parses the JSON object form; unknown or missing fields and a foreign suite are rejected. */
  static fromJSON(value: unknown): NoisePublicKey {
    const checked = checkPublicKeyJson(value);
    if (!checked.ok) throw invalid(checked.reason);
    const { x25519_public_key, mlkem768_public_key } = checked.key;
    return new NoisePublicKey(
      decodeBase64(x25519_public_key) as Uint8Array,
      decodeBase64(mlkem768_public_key) as Uint8Array,
    );
  }

  static parse(text: string): NoisePublicKey {
    return NoisePublicKey.fromJSON(parseJson(text, invalid));
  }

  toJSON(): NoisePublicKeyJson {
    return {
      suite: NOISE_SUITE,
      x25519_public_key: encodeBase64(this.x25519),
      mlkem768_public_key: encodeBase64(this.mlkem768),
    };
  }

  /** The canonical JSON text (fixed field order, no spaces). */
  toString(): string {
    return canonicalPublicKeyJson(this.toJSON());
  }

  /** base64url(SHA-256(canonical JSON)): a short name for the key. */
  fingerprint(): string {
    return encodeBase64(sha256(new TextEncoder().encode(this.toString())), 'base64url');
  }

  equals(other: NoisePublicKey): boolean {
    return Buffer.from(this.x25519).equals(other.x25519) && Buffer.from(this.mlkem768).equals(other.mlkem768);
  }
}
