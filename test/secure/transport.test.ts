import { createCipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { encodeFrame, RELAY_FRAME_VERSION } from '../../proto/codec/index.ts';
import { TransportCipher } from '../../secure/index.ts';
import { CipherState } from '../../secure/noise/cipher-state.ts';
import { errorCode } from './support.ts';

const key = new Uint8Array(32).fill(7);
const bytes = (text: string) => new TextEncoder().encode(text);

function pair() {
  return {
    send: new TransportCipher(new CipherState(key)),
    receive: new TransportCipher(new CipherState(key)),
  };
}

describe('a transport cipher', () => {
  it('uses the nonce 00000000 ‖ u64 big-endian counter and no associated data', () => {
    const counter = 0x0102030405060708n;
    const ours = new CipherState(key, counter).encryptWithAd(new Uint8Array(0), bytes('record'));
    const nonce = Buffer.from('000000000102030405060708', 'hex');
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    const expected = Buffer.concat([cipher.update(bytes('record')), cipher.final(), cipher.getAuthTag()]);
    expect(Buffer.from(ours).equals(expected)).toBe(true);
  });

  it('seals a record, from its parts, after room for its relay frame, which then takes no copy of it', () => {
    const parts = [bytes('{"method":'), bytes('"process/output"}')];
    const record = pair().send.encrypt(parts);
    const plain = new CipherState(key).encryptWithAd(new Uint8Array(0), bytes('{"method":"process/output"}'));
    expect(Buffer.from(record).equals(Buffer.from(plain))).toBe(true);
    const frame = encodeFrame({
      version: RELAY_FRAME_VERSION,
      streamId: 'stream-1',
      ack: 0,
      ackBits: 0,
      body: { case: 'data', value: { seq: 1, segmentIndex: 0, segmentCount: 1, payload: record } },
    });
    expect(frame.buffer).toBe(record.buffer);
    expect(Buffer.from(frame).subarray(-record.length).equals(Buffer.from(plain))).toBe(true);
  });

  it('decrypts records in order and counts nonces from 0', () => {
    const { send, receive } = pair();
    const records = ['one', 'two', 'three'].map((text) => send.encrypt(bytes(text)));
    expect(send.nonce).toBe(3n);
    expect(records.map((record) => new TextDecoder().decode(receive.decrypt(record)))).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(receive.nonce).toBe(3n);
  });

  it('fails on a flipped bit instead of returning altered bytes, and stays failed', () => {
    const { send, receive } = pair();
    const first = send.encrypt(bytes('{"id":1}'));
    const second = send.encrypt(bytes('{"id":2}'));
    for (let bit = 0; bit < first.length * 8; bit += 13) {
      const tampered = first.slice();
      tampered[bit >> 3] = (tampered[bit >> 3] as number) ^ (1 << (bit & 7));
      const fresh = new TransportCipher(new CipherState(key));
      expect(errorCode(() => fresh.decrypt(tampered))).toBe('decrypt_failed');
    }
    const tampered = first.slice();
    tampered[0] = (tampered[0] as number) ^ 0x80;
    expect(errorCode(() => receive.decrypt(tampered))).toBe('decrypt_failed');
    expect(errorCode(() => receive.decrypt(first))).toBe('invalid_state');
    expect(errorCode(() => receive.decrypt(second))).toBe('invalid_state');
  });

  it('refuses a record out of order', () => {
    const { send, receive } = pair();
    send.encrypt(bytes('first'));
    const second = send.encrypt(bytes('second'));
    expect(errorCode(() => receive.decrypt(second))).toBe('decrypt_failed');
  });

  it('refuses the same record twice', () => {
    const { send, receive } = pair();
    const record = send.encrypt(bytes('once'));
    receive.decrypt(record);
    expect(errorCode(() => receive.decrypt(record))).toBe('decrypt_failed');
  });

  it('refuses a ciphertext shorter than the tag and one over 65535 bytes', () => {
    expect(errorCode(() => pair().receive.decrypt(new Uint8Array(15)))).toBe('ciphertext_too_short');
    expect(errorCode(() => pair().receive.decrypt(new Uint8Array(65_536)))).toBe('message_too_large');
  });

  it('encrypts at most 65519 plaintext bytes per record, without spending a nonce on a refusal', () => {
    const { send, receive } = pair();
    expect(errorCode(() => send.encrypt(new Uint8Array(65_520)))).toBe('message_too_large');
    expect(send.nonce).toBe(0n);
    expect(receive.decrypt(send.encrypt(new Uint8Array(65_519))).length).toBe(65_519);
  });

  it('stops before the reserved nonce 2^64 − 1', () => {
    const cipher = new CipherState(key, 2n ** 64n - 2n);
    cipher.encryptWithAd(new Uint8Array(0), bytes('last'));
    expect(errorCode(() => cipher.encryptWithAd(new Uint8Array(0), bytes('one too many')))).toBe(
      'nonce_exhausted',
    );
  });
});
