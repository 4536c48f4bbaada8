import { describe, expect, it } from 'vitest';
import { HandshakeState } from '../../secure/noise/handshake-state.ts';
import { type HandshakePattern, IK, NN, protocolName, XX } from '../../secure/noise/patterns.ts';
import { X25519KeyPair } from '../../secure/noise/x25519.ts';
import { TransportCipher } from '../../secure/transport.ts';
import { fromHex } from '../fixtures/hex.ts';
import { hex, readNoiseFixture, scriptedRandom } from './support.ts';

interface Vector {
  source: { repo: string; commit: string };
  protocol_name: string;
  init_prologue: string;
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_static?: string;
  resp_ephemeral: string;
  handshake_hash?: string;
  messages: { payload: string; ciphertext: string }[];
}

const { vectors } = readNoiseFixture<{ vectors: Vector[] }>('published-25519-aesgcm-sha256.json');
const patterns: Record<string, HandshakePattern> = { IK, NN, XX };

function keys(privateHex: string | undefined) {
  return privateHex === undefined ? undefined : { x25519: new X25519KeyPair(fromHex(privateHex)) };
}

/** Runs both sides with the vector's keys and returns every message each side produced. */
function replay(vector: Vector) {
  const pattern = patterns[vector.protocol_name.split('_')[1] as string] as HandshakePattern;
  const initiator = new HandshakeState({
    pattern,
    initiator: true,
    prologue: fromHex(vector.init_prologue),
    s: keys(vector.init_static),
    rs: vector.init_remote_static === undefined ? undefined : { x25519: fromHex(vector.init_remote_static) },
    random: scriptedRandom(vector.init_ephemeral),
  });
  const responder = new HandshakeState({
    pattern,
    initiator: false,
    prologue: fromHex(vector.resp_prologue),
    s: keys(vector.resp_static),
    random: scriptedRandom(vector.resp_ephemeral),
  });
  const produced: { ciphertext: string; received: string }[] = [];
  const handshake = vector.messages.slice(0, pattern.messages.length);
  handshake.forEach(({ payload }, i) => {
    const [sender, receiver] = i % 2 === 0 ? [initiator, responder] : [responder, initiator];
    const ciphertext = sender.writeMessage(fromHex(payload));
    produced.push({ ciphertext: hex(ciphertext), received: hex(receiver.readMessage(ciphertext)) });
  });
  const hashes = [hex(initiator.handshakeHash), hex(responder.handshakeHash)];
  const i = initiator.split();
  const r = responder.split();
  const [initiatorSend, initiatorReceive] = [new TransportCipher(i.send), new TransportCipher(i.receive)];
  const [responderSend, responderReceive] = [new TransportCipher(r.send), new TransportCipher(r.receive)];
  vector.messages.slice(pattern.messages.length).forEach(({ payload }, j) => {
    const [send, receive] =
      (pattern.messages.length + j) % 2 === 0
        ? [initiatorSend, responderReceive]
        : [responderSend, initiatorReceive];
    const ciphertext = send.encrypt(fromHex(payload));
    produced.push({ ciphertext: hex(ciphertext), received: hex(receive.decrypt(ciphertext)) });
  });
  return { produced, hashes, name: protocolName(pattern) };
}

describe('the Noise symmetric core against published _25519_AESGCM_SHA256 vectors', () => {
  it.each(vectors.map((v) => [`${v.protocol_name} from ${v.source.repo}`, v] as const))(
    'replays %s byte for byte',
    (_, vector) => {
      const { produced, hashes, name } = replay(vector);
      expect(name).toBe(vector.protocol_name);
      expect(produced).toEqual(
        vector.messages.map((m) => ({ ciphertext: m.ciphertext, received: m.payload })),
      );
      expect(hashes[1]).toBe(hashes[0]);
      if (vector.handshake_hash !== undefined) expect(hashes[0]).toBe(vector.handshake_hash);
    },
  );

  it('covers both IK vectors, from two independent implementations', () => {
    const ik = vectors
      .filter((v) => v.protocol_name === 'Noise_IK_25519_AESGCM_SHA256')
      .map((v) => v.source.repo);
    expect(ik.sort()).toEqual(['haskell-cryptography/cacophony', 'mcginty/snow']);
  });
});
