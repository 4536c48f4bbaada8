import { CipherState } from './cipher-state.ts';
import { HASH_LEN, hkdf, sha256 } from './crypto.ts';

const EMPTY = new Uint8Array(0);

/** Noise SymmetricState (specification §5.2) over SHA-256 and AES-256-GCM. */
export class SymmetricState {
  #chainingKey: Uint8Array;
  #hash: Uint8Array;
  #cipher = new CipherState();

  /** InitializeSymmetric: a name of ≤ 32 bytes is zero-padded, a longer one hashed. */
  constructor(protocolName: string) {
    const name = new TextEncoder().encode(protocolName);
    this.#hash =
      name.length <= HASH_LEN ? Uint8Array.from({ length: HASH_LEN }, (_, i) => name[i] ?? 0) : sha256(name);
    this.#chainingKey = this.#hash.slice();
  }

  get handshakeHash(): Uint8Array {
    return this.#hash.slice();
  }

  get hasKey(): boolean {
    return this.#cipher.hasKey;
  }

  mixHash(data: Uint8Array): void {
    this.#hash = sha256(this.#hash, data);
  }

  mixKey(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, key] = hkdf(this.#chainingKey, inputKeyMaterial, 2) as [Uint8Array, Uint8Array];
    this.#chainingKey = chainingKey;
    this.#cipher.initializeKey(key);
  }

  mixKeyAndHash(inputKeyMaterial: Uint8Array): void {
    const [chainingKey, hashInput, key] = hkdf(this.#chainingKey, inputKeyMaterial, 3) as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    this.#chainingKey = chainingKey;
    this.mixHash(hashInput);
    this.#cipher.initializeKey(key);
  }

  encryptAndHash(plaintext: Uint8Array): Uint8Array {
    const ciphertext = this.#cipher.encryptWithAd(this.#hash, plaintext);
    this.mixHash(ciphertext);
    return ciphertext;
  }

  decryptAndHash(ciphertext: Uint8Array): Uint8Array {
    const plaintext = this.#cipher.decryptWithAd(this.#hash, ciphertext);
    this.mixHash(ciphertext);
    return plaintext;
  }

  /** Split: the first CipherState is initiator → responder. */
  split(): [CipherState, CipherState] {
    const [first, second] = hkdf(this.#chainingKey, EMPTY, 2) as [Uint8Array, Uint8Array];
    return [new CipherState(first), new CipherState(second)];
  }
}
