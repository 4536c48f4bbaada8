import { createPrivateKey, createPublicKey, diffieHellman, type KeyObject } from 'node:crypto';

export const X25519_KEY_LEN = 32;

// Fixed DER headers that wrap a raw 32-byte X25519 key as PKCS#8 / SPKI (RFC 8410).
const PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

function checkLength(bytes: Uint8Array, what: string): void {
  if (bytes.length !== X25519_KEY_LEN) throw new RangeError(`${what} must be ${X25519_KEY_LEN} bytes`);
}

function publicKeyObject(raw: Uint8Array): KeyObject {
  checkLength(raw, 'X25519 public key');
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** An X25519 key pair built from raw private bytes (Node clamps them). */
export class X25519KeyPair {
  readonly publicKey: Uint8Array;
  #raw: Uint8Array;
  #key: KeyObject;

  constructor(privateKey: Uint8Array) {
    checkLength(privateKey, 'X25519 private key');
    this.#raw = privateKey.slice();
    this.#key = createPrivateKey({
      key: Buffer.concat([PKCS8_PREFIX, privateKey]),
      format: 'der',
      type: 'pkcs8',
    });
    const spki = createPublicKey(this.#key).export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(spki.subarray(spki.length - X25519_KEY_LEN));
  }

  exportPrivateKey(): Uint8Array {
    return this.#raw.slice();
  }

  /** X25519(private, peer); Node refuses an all-zero result (low-order peer key). */
  dh(peerPublicKey: Uint8Array): Uint8Array {
    return new Uint8Array(
      diffieHellman({ privateKey: this.#key, publicKey: publicKeyObject(peerPublicKey) }),
    );
  }
}
