import { describe, expect, it } from 'vitest';
import {
  Initiator,
  MAX_AUTHORIZATION_BYTES,
  MESSAGE1_OVERHEAD,
  MESSAGE2_LENGTH,
  Responder,
  relayPrologue,
  type SecureSession,
  StaticIdentity,
} from '../../secure/index.ts';
import { HandshakeState } from '../../secure/noise/handshake-state.ts';
import { HYBRID_IK, protocolName } from '../../secure/noise/patterns.ts';
import { systemRandom } from '../../secure/noise/random.ts';
import { SymmetricState } from '../../secure/noise/symmetric-state.ts';
import { errorCode, hex } from './support.ts';

const harness = StaticIdentity.generate();
const executor = StaticIdentity.generate();
const parts = {
  executorId: 'exec-1',
  registrationId: 'reg-1',
  streamId: '7f1c9a2e-3b4d-4e5f-8a6b-7c8d9e0f1a2b',
};
const prologue = relayPrologue(parts);

function start(
  authorization = 'token',
  options: { executorKey?: StaticIdentity; prologue?: Uint8Array } = {},
) {
  return Initiator.start({
    identity: harness,
    executorPublicKey: (options.executorKey ?? executor).publicKey,
    prologue: options.prologue ?? prologue,
    authorization,
  });
}

function read(message1: Uint8Array, responderPrologue = prologue) {
  return Responder.read({ identity: executor, prologue: responderPrologue, message1 });
}

function flipBit(bytes: Uint8Array, offset: number): Uint8Array {
  const copy = bytes.slice();
  copy[offset] = (copy[offset] as number) ^ 0x01;
  return copy;
}

/** The harness side of message 1 written with any payload, bypassing the initiator's checks. */
function rawMessage1(payload: Uint8Array): Uint8Array {
  const state = new HandshakeState({
    pattern: HYBRID_IK,
    initiator: true,
    prologue,
    s: harness,
    rs: { x25519: executor.publicKey.x25519, mlkem: executor.publicKey.mlkem768 },
    random: systemRandom,
  });
  return state.writeMessage(payload);
}

function exchange(sender: SecureSession, receiver: SecureSession, text: string): string {
  return new TextDecoder().decode(
    receiver.receive.decrypt(sender.send.encrypt(new TextEncoder().encode(text))),
  );
}

describe('the hybrid IK handshake', () => {
  it('hashes the protocol name clatter builds, Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256', () => {
    expect(protocolName(HYBRID_IK)).toBe('Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256');
    expect(hex(new SymmetricState(protocolName(HYBRID_IK)).handshakeHash)).toBe(
      '646856ce6fda9f9f037c69557c3c9f5ada7d1bc70b0c4beea72befcaf862edfa',
    );
  });

  it('encodes the prologue exactly as upstream main pins it (u64 big-endian length prefixes)', () => {
    expect(
      hex(relayPrologue({ executorId: 'env-1', registrationId: 'registration-1', streamId: 'stream-1' })),
    ).toBe(
      '0000000000000020636f6465782d657865632d7365727665722d72656c61792d6e6f6973652f7631' +
        '0000000000000005656e762d31000000000000000e726567697374726174696f6e2d31' +
        '000000000000000873747265616d2d31',
    );
  });

  it('gives both sides the same session, with records flowing both ways', () => {
    const { initiator, message1 } = start('registry-authorization');
    const responder = read(message1);
    expect(responder.authorization).toBe('registry-authorization');
    expect(responder.harnessPublicKey.equals(harness.publicKey)).toBe(true);
    const { message2, session: executorSession } = responder.complete();
    const harnessSession = initiator.finish(message2);
    expect(hex(harnessSession.handshakeHash)).toBe(hex(executorSession.handshakeHash));
    expect(exchange(harnessSession, executorSession, '{"id":1,"method":"initialize"}')).toBe(
      '{"id":1,"method":"initialize"}',
    );
    expect(exchange(executorSession, harnessSession, '{"id":1,"result":{}}')).toBe('{"id":1,"result":{}}');
    expect(exchange(harnessSession, executorSession, 'second')).toBe('second');
  });

  it.each([0, 25, MAX_AUTHORIZATION_BYTES])(
    'sends 3568 + N bytes in message 1 and 3424 in message 2 (N = %i)',
    (n) => {
      const { initiator, message1 } = start('a'.repeat(n));
      expect(message1.length).toBe(MESSAGE1_OVERHEAD + n);
      expect(MESSAGE1_OVERHEAD).toBe(3568);
      const { message2 } = read(message1).complete();
      expect(message2.length).toBe(MESSAGE2_LENGTH);
      expect(MESSAGE2_LENGTH).toBe(3424);
      initiator.finish(message2);
    },
  );

  it('carries a multi-byte UTF-8 authorization unchanged, counted in bytes', () => {
    const authorization = 'clé-🔑-ключ';
    const { message1 } = start(authorization);
    expect(message1.length).toBe(MESSAGE1_OVERHEAD + new TextEncoder().encode(authorization).length);
    expect(read(message1).authorization).toBe(authorization);
  });
});

describe('a handshake that must fail', () => {
  it('fails at the responder when the harness pinned another executor key', () => {
    const { message1 } = start('token', { executorKey: StaticIdentity.generate() });
    expect(errorCode(() => read(message1))).toBe('handshake_failed');
  });

  it.each([
    ['the static-KEM ciphertext', 0],
    ['the ephemeral X25519 key', 1088],
    ['the ephemeral ML-KEM key', 1120 + 600],
    ['the encrypted static X25519 key', 2304 + 5],
    ['the encrypted static ML-KEM key', 2352 + 700],
    ['the encrypted authorization', 3552 + 2],
    ['the last tag byte', 3572],
  ])('rejects message 1 with a bit flipped in %s', (_, offset) => {
    const { message1 } = start('token');
    expect(message1.length).toBe(3573);
    expect(errorCode(() => read(flipBit(message1, offset)))).toBe('handshake_failed');
  });

  it('rejects a truncated message 1 and one over 65535 bytes', () => {
    const { message1 } = start('token');
    expect(errorCode(() => read(message1.subarray(0, 3000)))).toBe('malformed_handshake');
    expect(errorCode(() => read(message1.subarray(0, MESSAGE1_OVERHEAD - 1)))).toBe('malformed_handshake');
    expect(errorCode(() => read(new Uint8Array(65_536)))).toBe('message_too_large');
  });

  it.each([
    ['another stream id', { ...parts, streamId: 'b3c2d1e0-0000-4000-8000-000000000001' }],
    ['another registration', { ...parts, registrationId: 'reg-2' }],
    ['another executor id', { ...parts, executorId: 'exec-2' }],
  ])('rejects a message 1 bound to %s (the prologue differs)', (_, other) => {
    const { message1 } = start('token');
    expect(errorCode(() => read(message1, relayPrologue(other)))).toBe('handshake_failed');
  });

  it('rejects message 2 with any bit flipped, and the initiator then never yields a session', () => {
    for (const offset of [0, 1088 + 10, 2192 + 3, 2224 + 100, MESSAGE2_LENGTH - 1]) {
      const { initiator, message1 } = start('token');
      const { message2 } = read(message1).complete();
      expect(errorCode(() => initiator.finish(flipBit(message2, offset)))).toBe('handshake_failed');
      expect(errorCode(() => initiator.finish(message2))).toBe('invalid_state');
    }
  });

  it('rejects a message 2 from a responder that read another message 1', () => {
    const { initiator } = start('token');
    const { message2 } = read(start('token').message1).complete();
    expect(errorCode(() => initiator.finish(message2))).toBe('handshake_failed');
  });

  it('refuses an authorization over 4096 bytes on both sides', () => {
    expect(errorCode(() => start('a'.repeat(MAX_AUTHORIZATION_BYTES + 1)))).toBe('authorization_too_long');
    expect(errorCode(() => read(rawMessage1(new Uint8Array(MAX_AUTHORIZATION_BYTES + 1).fill(0x61))))).toBe(
      'authorization_too_long',
    );
  });

  it('refuses an authorization that is not UTF-8', () => {
    expect(errorCode(() => read(rawMessage1(Uint8Array.of(0x74, 0xff, 0xfe))))).toBe(
      'authorization_not_utf8',
    );
  });

  it('refuses a message 2 with a payload', () => {
    const { initiator, message1 } = start('token');
    const responder = new HandshakeState({
      pattern: HYBRID_IK,
      initiator: false,
      prologue,
      s: executor,
      random: systemRandom,
    });
    responder.readMessage(message1);
    const message2 = responder.writeMessage(Uint8Array.of(0x78));
    expect(message2.length).toBe(MESSAGE2_LENGTH + 1);
    expect(errorCode(() => initiator.finish(message2))).toBe('response_payload_not_empty');
  });

  it('completes a responder only once and finishes an initiator only once', () => {
    const { initiator, message1 } = start('token');
    const responder = read(message1);
    const { message2 } = responder.complete();
    expect(errorCode(() => responder.complete())).toBe('invalid_state');
    initiator.finish(message2);
    expect(errorCode(() => initiator.finish(message2))).toBe('invalid_state');
  });
});

describe('a replayed message 1', () => {
  it('is accepted by a fresh responder on the same stream, but its session is useless to anyone else', () => {
    // IK's first message carries no freshness from the responder, so this layer cannot
    // detect a replay; the relay refuses reused stream ids and authorizations expire.
    const { initiator, message1 } = start('token');
    const genuine = read(message1).complete();
    const replayed = read(message1).complete();
    expect(hex(replayed.message2)).not.toBe(hex(genuine.message2));
    expect(hex(replayed.session.handshakeHash)).not.toBe(hex(genuine.session.handshakeHash));

    const harnessSession = initiator.finish(genuine.message2);
    expect(exchange(harnessSession, genuine.session, 'hello')).toBe('hello');
    const record = harnessSession.send.encrypt(new TextEncoder().encode('for the genuine executor'));
    expect(errorCode(() => replayed.session.receive.decrypt(record))).toBe('decrypt_failed');
    const injected = replayed.session.send.encrypt(
      new TextEncoder().encode('{"id":9,"method":"process/start"}'),
    );
    expect(errorCode(() => harnessSession.receive.decrypt(injected))).toBe('decrypt_failed');
  });

  it('is refused when replayed on another stream id', () => {
    const { message1 } = start('token');
    expect(errorCode(() => read(message1, relayPrologue({ ...parts, streamId: 'another-stream' })))).toBe(
      'handshake_failed',
    );
  });
});
