import { SecureChannelError, type SecureErrorCode } from '../errors.ts';
import type { CipherState } from './cipher-state.ts';
import { TAG_LEN } from './crypto.ts';
import { MLKEM768, MlKem768KeyPair, mlKem768Encapsulate } from './ml-kem.ts';
import { type HandshakePattern, protocolName, type Token } from './patterns.ts';
import type { RandomSource } from './random.ts';
import { SymmetricState } from './symmetric-state.ts';
import { X25519_KEY_LEN, X25519KeyPair } from './x25519.ts';

/** Noise's limit on any message, handshake or transport. */
export const MAX_NOISE_MESSAGE = 65_535;

/** Own key pairs; `mlkem` only in hybrid patterns. */
export interface LocalKeys {
  x25519: X25519KeyPair;
  mlkem?: MlKem768KeyPair;
}

/** A peer's public keys; `mlkem` only in hybrid patterns. */
export interface RemoteKeys {
  x25519: Uint8Array;
  mlkem?: Uint8Array;
}

export interface HandshakeOptions {
  pattern: HandshakePattern;
  initiator: boolean;
  prologue: Uint8Array;
  /** Own static keys, for patterns that send or pre-share them. */
  s?: LocalKeys;
  /** The responder's static keys, when the pattern pre-shares them (`<- s`). */
  rs?: RemoteKeys;
  /** Ephemeral keys and KEM encapsulations draw from it, in token order. */
  random: RandomSource;
}

// Codes a failed step reports as they are; everything else is `handshake_failed`.
const OWN_CODES = new Set<SecureErrorCode>(['invalid_state', 'message_too_large', 'malformed_handshake']);

function need<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new SecureChannelError('invalid_state', `handshake has no ${what}`);
  return value;
}

class MessageReader {
  #bytes: Uint8Array;
  #offset = 0;

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
  }

  take(length: number): Uint8Array {
    if (this.#offset + length > this.#bytes.length) {
      throw new SecureChannelError('malformed_handshake', 'handshake message is too short');
    }
    this.#offset += length;
    return this.#bytes.subarray(this.#offset - length, this.#offset);
  }

  rest(): Uint8Array {
    return this.take(this.#bytes.length - this.#offset);
  }
}

/**
 * Noise HandshakeState for the patterns of `patterns.ts`: processes tokens
 * for one side, one message at a time, and splits into transport cipher
 * states at the end. Any failure is final.
 */
export class HandshakeState {
  #pattern: HandshakePattern;
  #initiator: boolean;
  #symmetric: SymmetricState;
  #random: RandomSource;
  #s: LocalKeys | undefined;
  #rs: RemoteKeys | undefined;
  #e: LocalKeys | undefined;
  #re: RemoteKeys | undefined;
  #next = 0;
  #failed = false;
  #split = false;

  constructor(options: HandshakeOptions) {
    this.#pattern = options.pattern;
    this.#initiator = options.initiator;
    this.#random = options.random;
    this.#s = options.s;
    this.#rs = options.rs;
    this.#symmetric = new SymmetricState(protocolName(this.#pattern));
    this.#symmetric.mixHash(options.prologue);
    if (this.#pattern.responderStaticKnown) {
      const responder = this.#initiator ? need(this.#rs, 'remote static key') : this.#publicOf(this.#s);
      this.#symmetric.mixHash(responder.x25519);
      if (this.#pattern.hybrid) this.#symmetric.mixHash(need(responder.mlkem, 'remote static ML-KEM key'));
    }
  }

  get isComplete(): boolean {
    return this.#next === this.#pattern.messages.length;
  }

  /** The peer's static keys once a message carrying them was read (or pre-shared). */
  get remoteStatic(): RemoteKeys | undefined {
    return this.#rs;
  }

  get handshakeHash(): Uint8Array {
    return this.#symmetric.handshakeHash;
  }

  writeMessage(payload: Uint8Array): Uint8Array {
    return this.#step(true, () => {
      const parts: Uint8Array[] = [];
      for (const token of this.#tokens()) this.#write(token, parts);
      parts.push(this.#symmetric.encryptAndHash(payload));
      const message = new Uint8Array(Buffer.concat(parts));
      if (message.length > MAX_NOISE_MESSAGE) {
        throw new SecureChannelError('message_too_large', `handshake message of ${message.length} bytes`);
      }
      return message;
    });
  }

  readMessage(message: Uint8Array): Uint8Array {
    return this.#step(false, () => {
      if (message.length > MAX_NOISE_MESSAGE) {
        throw new SecureChannelError('message_too_large', `handshake message of ${message.length} bytes`);
      }
      const reader = new MessageReader(message);
      for (const token of this.#tokens()) this.#read(token, reader);
      const rest = reader.rest();
      if (this.#symmetric.hasKey && rest.length < TAG_LEN) {
        throw new SecureChannelError('malformed_handshake', 'handshake message is too short');
      }
      return this.#symmetric.decryptAndHash(rest);
    });
  }

  /** Once, after the last message: `send` and `receive` cipher states for this side. */
  split(): { send: CipherState; receive: CipherState } {
    if (this.#failed || !this.isComplete || this.#split) {
      throw new SecureChannelError('invalid_state', 'handshake cannot be split now');
    }
    this.#split = true;
    const [initiatorToResponder, responderToInitiator] = this.#symmetric.split();
    return this.#initiator
      ? { send: initiatorToResponder, receive: responderToInitiator }
      : { send: responderToInitiator, receive: initiatorToResponder };
  }

  #step<T>(writing: boolean, run: () => T): T {
    const initiatorsTurn = this.#next % 2 === 0;
    if (this.#failed || this.isComplete || initiatorsTurn !== (writing === this.#initiator)) {
      this.#failed = true;
      throw new SecureChannelError('invalid_state', `not this side's turn to ${writing ? 'write' : 'read'}`);
    }
    try {
      const result = run();
      this.#next += 1;
      return result;
    } catch (error) {
      this.#failed = true;
      if (error instanceof SecureChannelError && OWN_CODES.has(error.code)) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new SecureChannelError('handshake_failed', `handshake failed: ${reason}`, { cause: error });
    }
  }

  #tokens(): readonly Token[] {
    return this.#pattern.messages[this.#next] ?? [];
  }

  #write(token: Token, out: Uint8Array[]): void {
    const symmetric = this.#symmetric;
    switch (token) {
      case 'e': {
        const e: LocalKeys = { x25519: new X25519KeyPair(this.#random(X25519_KEY_LEN)) };
        if (this.#pattern.hybrid) e.mlkem = new MlKem768KeyPair(this.#random(MLKEM768.seed));
        this.#e = e;
        for (const key of this.#publicKeys(this.#publicOf(e))) {
          symmetric.mixHash(key);
          out.push(key);
        }
        return;
      }
      case 's':
        for (const key of this.#publicKeys(this.#publicOf(this.#s))) out.push(symmetric.encryptAndHash(key));
        return;
      case 'ekem': {
        const { cipherText, sharedSecret } = this.#encapsulate(need(this.#re, 'remote ephemeral key'));
        symmetric.mixHash(cipherText);
        out.push(cipherText);
        symmetric.mixKey(sharedSecret);
        return;
      }
      case 'skem': {
        const { cipherText, sharedSecret } = this.#encapsulate(need(this.#rs, 'remote static key'));
        out.push(symmetric.encryptAndHash(cipherText));
        symmetric.mixKeyAndHash(sharedSecret);
        return;
      }
      default:
        symmetric.mixKey(this.#dh(token));
    }
  }

  #read(token: Token, reader: MessageReader): void {
    const symmetric = this.#symmetric;
    const tag = symmetric.hasKey ? TAG_LEN : 0;
    switch (token) {
      case 'e': {
        const re: RemoteKeys = { x25519: reader.take(X25519_KEY_LEN).slice() };
        symmetric.mixHash(re.x25519);
        if (this.#pattern.hybrid) {
          re.mlkem = reader.take(MLKEM768.publicKey).slice();
          symmetric.mixHash(re.mlkem);
        }
        this.#re = re;
        return;
      }
      case 's': {
        const rs: RemoteKeys = { x25519: symmetric.decryptAndHash(reader.take(X25519_KEY_LEN + tag)) };
        if (this.#pattern.hybrid) {
          rs.mlkem = symmetric.decryptAndHash(reader.take(MLKEM768.publicKey + tag));
        }
        this.#rs = rs;
        return;
      }
      case 'ekem': {
        const cipherText = reader.take(MLKEM768.cipherText);
        symmetric.mixHash(cipherText);
        symmetric.mixKey(need(this.#e?.mlkem, 'ephemeral ML-KEM key').decapsulate(cipherText));
        return;
      }
      case 'skem': {
        const cipherText = symmetric.decryptAndHash(reader.take(MLKEM768.cipherText + tag));
        symmetric.mixKeyAndHash(need(this.#s?.mlkem, 'static ML-KEM key').decapsulate(cipherText));
        return;
      }
      default:
        symmetric.mixKey(this.#dh(token));
    }
  }

  #encapsulate(peer: RemoteKeys) {
    return mlKem768Encapsulate(need(peer.mlkem, 'peer ML-KEM key'), this.#random(MLKEM768.message));
  }

  #dh(token: 'ee' | 'es' | 'se' | 'ss'): Uint8Array {
    const initiator = this.#initiator;
    const [local, remote] = {
      ee: [this.#e, this.#re],
      es: initiator ? [this.#e, this.#rs] : [this.#s, this.#re],
      se: initiator ? [this.#s, this.#re] : [this.#e, this.#rs],
      ss: [this.#s, this.#rs],
    }[token] as [LocalKeys | undefined, RemoteKeys | undefined];
    return need(local, `local key for ${token}`).x25519.dh(need(remote, `remote key for ${token}`).x25519);
  }

  #publicOf(keys: LocalKeys | undefined): RemoteKeys {
    const { x25519, mlkem } = need(keys, 'local static key');
    return mlkem === undefined
      ? { x25519: x25519.publicKey }
      : { x25519: x25519.publicKey, mlkem: mlkem.publicKey };
  }

  #publicKeys(keys: RemoteKeys): Uint8Array[] {
    return this.#pattern.hybrid ? [keys.x25519, need(keys.mlkem, 'ML-KEM key')] : [keys.x25519];
  }
}
