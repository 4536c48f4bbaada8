/**
 * The Noise `_AESGCM_SHA256` functions, all from `node:crypto`.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync } from 'node:crypto';

export const HASH_LEN = 32;
export const TAG_LEN = 16;

export function sha256(...parts: Uint8Array[]): Uint8Array {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
}

/**
 * Noise's HKDF(ck, ikm, n) is RFC 5869 HKDF-SHA256 with salt = ck, empty
 * info and n × 32 output bytes, so Node's HKDF computes it exactly.
 */
export function hkdf(chainingKey: Uint8Array, inputKeyMaterial: Uint8Array, outputs: 2 | 3): Uint8Array[] {
  const okm = new Uint8Array(
    hkdfSync('sha256', inputKeyMaterial, chainingKey, new Uint8Array(0), outputs * HASH_LEN),
  );
  return Array.from({ length: outputs }, (_, i) => okm.slice(i * HASH_LEN, (i + 1) * HASH_LEN));
}

/** 12-byte AES-GCM nonce: four zero bytes, then the counter as u64 big-endian. */
function gcmNonce(counter: bigint): Buffer {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(counter, 4);
  return nonce;
}

/** The bytes of a Buffer as a plain Uint8Array view (no copy). */
function view(buffer: Buffer): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.length);
}

/** Where a sealed message is written: `length` bytes. */
export type SealedBuffer = (length: number) => Uint8Array;

const plainBuffer: SealedBuffer = (length) => new Uint8Array(length);

/**
 * AES-256-GCM of the plaintext (or of its parts, in order); returns
 * ciphertext ‖ 16-byte tag, written into `allocate(length)`.
 */
export function aesGcmSeal(
  key: Uint8Array,
  counter: bigint,
  ad: Uint8Array,
  plaintext: Uint8Array | readonly Uint8Array[],
  allocate: SealedBuffer = plainBuffer,
): Uint8Array {
  const parts = plaintext instanceof Uint8Array ? [plaintext] : plaintext;
  const cipher = createCipheriv('aes-256-gcm', key, gcmNonce(counter));
  cipher.setAAD(ad);
  const sealed = allocate(parts.reduce((sum, part) => sum + part.length, TAG_LEN));
  let at = 0;
  for (const part of parts) {
    const ciphertext = cipher.update(part);
    sealed.set(ciphertext, at);
    at += ciphertext.length;
  }
  cipher.final(); // GCM yields nothing more here.
  sealed.set(cipher.getAuthTag(), at);
  return sealed;
}

/** Inverse of `aesGcmSeal`; `undefined` when authentication fails. */
export function aesGcmOpen(
  key: Uint8Array,
  counter: bigint,
  ad: Uint8Array,
  ciphertext: Uint8Array,
): Uint8Array | undefined {
  const body = ciphertext.subarray(0, ciphertext.length - TAG_LEN);
  const decipher = createDecipheriv('aes-256-gcm', key, gcmNonce(counter));
  decipher.setAAD(ad);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_LEN));
  const plaintext = decipher.update(body);
  try {
    decipher.final(); // GCM yields nothing more here; it checks the tag.
  } catch {
    return undefined;
  }
  return view(plaintext);
}
