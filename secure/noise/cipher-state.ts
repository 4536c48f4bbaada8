import { SecureChannelError } from '../errors.ts';
import { aesGcmOpen, aesGcmSeal, type SealedBuffer, TAG_LEN } from './crypto.ts';

/** 2^64 − 1 is reserved by the Noise specification (§5.1) and never used. */
const MAX_NONCE = 2n ** 64n - 1n;

/** Noise CipherState: one key and its nonce counter, advanced only on success. */
export class CipherState {
  #key: Uint8Array | undefined;
  #nonce: bigint;

  constructor(key?: Uint8Array, nonce = 0n) {
    this.#key = key;
    this.#nonce = nonce;
  }

  get hasKey(): boolean {
    return this.#key !== undefined;
  }

  /** The nonce the next encryption or decryption uses. */
  get nonce(): bigint {
    return this.#nonce;
  }

  initializeKey(key: Uint8Array): void {
    this.#key = key;
    this.#nonce = 0n;
  }

  /** Encrypts the plaintext, or its parts as one plaintext (into `allocate(length)` once keyed). */
  encryptWithAd(
    ad: Uint8Array,
    plaintext: Uint8Array | readonly Uint8Array[],
    allocate?: SealedBuffer,
  ): Uint8Array {
    if (this.#key === undefined) {
      return plaintext instanceof Uint8Array ? plaintext.slice() : new Uint8Array(Buffer.concat(plaintext));
    }
    this.#checkNonce();
    const ciphertext = aesGcmSeal(this.#key, this.#nonce, ad, plaintext, allocate);
    this.#nonce += 1n;
    return ciphertext;
  }

  decryptWithAd(ad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
    if (this.#key === undefined) return ciphertext.slice();
    if (ciphertext.length < TAG_LEN) {
      throw new SecureChannelError(
        'ciphertext_too_short',
        `ciphertext of ${ciphertext.length} bytes has no tag`,
      );
    }
    this.#checkNonce();
    const plaintext = aesGcmOpen(this.#key, this.#nonce, ad, ciphertext);
    if (plaintext === undefined) {
      throw new SecureChannelError('decrypt_failed', `decryption failed at nonce ${this.#nonce}`);
    }
    this.#nonce += 1n;
    return plaintext;
  }

  #checkNonce(): void {
    if (this.#nonce >= MAX_NONCE) throw new SecureChannelError('nonce_exhausted', 'cipher nonce exhausted');
  }
}
