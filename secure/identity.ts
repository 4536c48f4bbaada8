import { MLKEM768, MlKem768KeyPair } from './noise/ml-kem.ts';
import { type RandomSource, systemRandom } from './noise/random.ts';
import { X25519_KEY_LEN, X25519KeyPair } from './noise/x25519.ts';
import { NoisePublicKey } from './public-key.ts';

/**
 * An endpoint's static identity: an X25519 and an ML-KEM-768 key pair. The
 * private halves stay inside the key pair objects; only the key file
 * exports them.
 */
export class StaticIdentity {
  readonly x25519: X25519KeyPair;
  readonly mlkem: MlKem768KeyPair;
  readonly publicKey: NoisePublicKey;

  constructor(x25519PrivateKey: Uint8Array, mlkemSeed: Uint8Array) {
    this.x25519 = new X25519KeyPair(x25519PrivateKey);
    this.mlkem = new MlKem768KeyPair(mlkemSeed);
    this.publicKey = new NoisePublicKey(this.x25519.publicKey, this.mlkem.publicKey);
  }

  static generate(random: RandomSource = systemRandom): StaticIdentity {
    return new StaticIdentity(random(X25519_KEY_LEN), random(MLKEM768.seed));
  }
}
