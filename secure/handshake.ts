/**
 * The relay handshake, `Noise_hybridIK_X25519+MLKEM768_AESGCM_SHA256`, as two
 * small state machines: the harness is the `Initiator`, the executor the
 * `Responder`. The executor learns the harness key and its authorization
 * from message 1 and answers with message 2 only once that authorization
 * was accepted (by the registry or a local policy).
 */
import { MAX_AUTHORIZATION_BYTES } from '../proto/secure-relay.ts';
import { SecureChannelError } from './errors.ts';
import type { StaticIdentity } from './identity.ts';
import { HandshakeState } from './noise/handshake-state.ts';
import { HYBRID_IK } from './noise/patterns.ts';
import { type RandomSource, systemRandom } from './noise/random.ts';
import { NoisePublicKey } from './public-key.ts';
import { type SecureSession, TransportCipher } from './transport.ts';

export { MAX_AUTHORIZATION_BYTES } from '../proto/secure-relay.ts';

/** Message 1 is this many bytes plus the authorization's. */
export const MESSAGE1_OVERHEAD = 3568;

/** Message 2 always has this length (its payload is empty). */
export const MESSAGE2_LENGTH = 3424;

const EMPTY = new Uint8Array(0);

function sessionOf(handshake: HandshakeState): SecureSession {
  const handshakeHash = handshake.handshakeHash;
  const { send, receive } = handshake.split();
  return { send: new TransportCipher(send), receive: new TransportCipher(receive), handshakeHash };
}

function tooLong(length: number): SecureChannelError {
  return new SecureChannelError(
    'authorization_too_long',
    `harness key authorization of ${length} bytes exceeds ${MAX_AUTHORIZATION_BYTES}`,
  );
}

export interface InitiatorOptions {
  identity: StaticIdentity;
  /** The executor's key, pinned from the registry's answer. */
  executorPublicKey: NoisePublicKey;
  prologue: Uint8Array;
  /** Sent encrypted in message 1; at most 4096 UTF-8 bytes. */
  authorization: string;
  random?: RandomSource;
}

/** Harness side: `start` gives message 1, `finish(message2)` the session. */
export class Initiator {
  #handshake: HandshakeState;

  private constructor(handshake: HandshakeState) {
    this.#handshake = handshake;
  }

  static start(options: InitiatorOptions): { initiator: Initiator; message1: Uint8Array } {
    const authorization = new TextEncoder().encode(options.authorization);
    if (authorization.length > MAX_AUTHORIZATION_BYTES) throw tooLong(authorization.length);
    const handshake = new HandshakeState({
      pattern: HYBRID_IK,
      initiator: true,
      prologue: options.prologue,
      s: options.identity,
      rs: { x25519: options.executorPublicKey.x25519, mlkem: options.executorPublicKey.mlkem768 },
      random: options.random ?? systemRandom,
    });
    const message1 = handshake.writeMessage(authorization);
    return { initiator: new Initiator(handshake), message1 };
  }

  finish(message2: Uint8Array): SecureSession {
    const payload = this.#handshake.readMessage(message2);
    if (payload.length !== 0) {
      throw new SecureChannelError('response_payload_not_empty', 'handshake response payload must be empty');
    }
    return sessionOf(this.#handshake);
  }
}

export interface ResponderOptions {
  identity: StaticIdentity;
  prologue: Uint8Array;
  message1: Uint8Array;
  random?: RandomSource;
}

/**
 * Executor side, between the two messages: the harness key is authenticated
 * but not yet authorized. `complete()` once it is.
 */
export class Responder {
  readonly harnessPublicKey: NoisePublicKey;
  readonly authorization: string;
  #handshake: HandshakeState;

  private constructor(handshake: HandshakeState, harnessPublicKey: NoisePublicKey, authorization: string) {
    this.#handshake = handshake;
    this.harnessPublicKey = harnessPublicKey;
    this.authorization = authorization;
  }

  static read(options: ResponderOptions): Responder {
    const handshake = new HandshakeState({
      pattern: HYBRID_IK,
      initiator: false,
      prologue: options.prologue,
      s: options.identity,
      random: options.random ?? systemRandom,
    });
    const payload = handshake.readMessage(options.message1);
    if (payload.length > MAX_AUTHORIZATION_BYTES) throw tooLong(payload.length);
    let authorization: string;
    try {
      authorization = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(payload);
    } catch {
      throw new SecureChannelError('authorization_not_utf8', 'harness key authorization is not UTF-8');
    }
    const remote = handshake.remoteStatic;
    if (remote?.mlkem === undefined) {
      throw new SecureChannelError('invalid_state', 'handshake request is missing the initiator static key');
    }
    return new Responder(handshake, new NoisePublicKey(remote.x25519, remote.mlkem), authorization);
  }

  complete(): { message2: Uint8Array; session: SecureSession } {
    const message2 = this.#handshake.writeMessage(EMPTY);
    return { message2, session: sessionOf(this.#handshake) };
  }
}
