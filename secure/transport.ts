import { withFrameHeadroom } from '../proto/codec/index.ts';
import { SecureChannelError } from './errors.ts';
import type { CipherState } from './noise/cipher-state.ts';
import { TAG_LEN } from './noise/crypto.ts';
import { MAX_NOISE_MESSAGE } from './noise/handshake-state.ts';

const NO_AD = new Uint8Array(0);

/**
 * One direction of an established channel. Nonces are implicit, so records
 * are encrypted exactly once each, in order (a resend is the cached
 * ciphertext), and decrypted strictly in order. A failed decryption ends
 * the channel: every later call fails with `invalid_state`.
 */
export class TransportCipher {
  #cipher: CipherState;
  #failed = false;

  constructor(cipher: CipherState) {
    this.#cipher = cipher;
  }

  /** The Noise nonce of the next record (0 for the first). */
  get nonce(): bigint {
    return this.#cipher.nonce;
  }

  /** Seals one record: the plaintext, or its parts as one plaintext. */
  encrypt(plaintext: Uint8Array | readonly Uint8Array[]): Uint8Array {
    this.#checkUsable();
    const length =
      plaintext instanceof Uint8Array
        ? plaintext.length
        : plaintext.reduce((sum, part) => sum + part.length, 0);
    if (length + TAG_LEN > MAX_NOISE_MESSAGE) {
      throw new SecureChannelError('message_too_large', `transport plaintext of ${length} bytes`);
    }
    // A record travels as one relay data frame: sealed after room for the frame's header, it is not copied again.
    return this.#cipher.encryptWithAd(NO_AD, plaintext, withFrameHeadroom);
  }

  decrypt(ciphertext: Uint8Array): Uint8Array {
    this.#checkUsable();
    try {
      if (ciphertext.length > MAX_NOISE_MESSAGE) {
        throw new SecureChannelError(
          'message_too_large',
          `transport ciphertext of ${ciphertext.length} bytes`,
        );
      }
      return this.#cipher.decryptWithAd(NO_AD, ciphertext);
    } catch (error) {
      this.#failed = true;
      throw error;
    }
  }

  #checkUsable(): void {
    if (this.#failed) throw new SecureChannelError('invalid_state', 'transport failed earlier');
  }
}

/** An established channel: one cipher per direction and the handshake hash (for channel binding). */
export interface SecureSession {
  readonly send: TransportCipher;
  readonly receive: TransportCipher;
  readonly handshakeHash: Uint8Array;
}
