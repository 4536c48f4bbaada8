import { ml_kem768 } from '@noble/post-quantum/ml-kem.js';

/** FIPS 203 ML-KEM-768 sizes in bytes. */
export const MLKEM768 = {
  publicKey: 1184,
  cipherText: 1088,
  seed: 64,
  message: 32,
} as const;

export interface Encapsulation {
  cipherText: Uint8Array;
  sharedSecret: Uint8Array;
}

/** Encapsulates to `publicKey` with the 32-byte FIPS 203 message `m` as the randomness. */
export function mlKem768Encapsulate(publicKey: Uint8Array, message: Uint8Array): Encapsulation {
  return ml_kem768.encapsulate(publicKey, message);
}

/** An ML-KEM-768 key pair derived from its 64-byte seed d ‖ z. */
export class MlKem768KeyPair {
  readonly publicKey: Uint8Array;
  #seed: Uint8Array;
  #secretKey: Uint8Array;

  constructor(seed: Uint8Array) {
    if (seed.length !== MLKEM768.seed) throw new RangeError(`ML-KEM-768 seed must be ${MLKEM768.seed} bytes`);
    this.#seed = seed.slice();
    const { publicKey, secretKey } = ml_kem768.keygen(this.#seed.slice());
    this.publicKey = publicKey;
    this.#secretKey = secretKey;
  }

  exportSeed(): Uint8Array {
    return this.#seed.slice();
  }

  /** Implicit rejection: a wrong ciphertext yields an unrelated secret, not an error. */
  decapsulate(cipherText: Uint8Array): Uint8Array {
    return ml_kem768.decapsulate(cipherText, this.#secretKey);
  }
}
