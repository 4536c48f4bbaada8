import { describe, expect, it } from 'vitest';
import {
  Initiator,
  MAX_RECORD_PLAINTEXT,
  Responder,
  relayPrologue,
  SecureChannelError,
  SecureMessageChannel,
  StaticIdentity,
} from '../../secure/index.ts';

function channels() {
  const harness = StaticIdentity.generate();
  const executor = StaticIdentity.generate();
  const prologue = relayPrologue({ executorId: 'e', registrationId: 'r', streamId: 's' });
  const { initiator, message1 } = Initiator.start({
    identity: harness,
    executorPublicKey: executor.publicKey,
    prologue,
    authorization: 'ok',
  });
  const { message2, session } = Responder.read({ identity: executor, prologue, message1 }).complete();
  return {
    harness: new SecureMessageChannel(initiator.finish(message2)),
    executor: new SecureMessageChannel(session),
  };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('a secure message channel', () => {
  it('carries JSON-RPC messages both ways, large ones over several records', () => {
    const { harness, executor } = channels();
    const big = json({ id: 2, method: 'fs/writeFile', params: { dataBase64: 'A'.repeat(150_000) } });
    const small = harness.seal(json({ id: 1 }));
    const records = harness.seal(big);
    expect(records.length).toBe(3);
    expect(records.every((record) => record.length <= MAX_RECORD_PLAINTEXT + 16)).toBe(true);
    const received = [...small, ...records].flatMap((record) => executor.open(record));
    expect(received.map((m) => m.length)).toEqual([json({ id: 1 }).length, big.length]);
    expect(Buffer.from(received[1] as Uint8Array).equals(big)).toBe(true);
    expect(executor.seal(json({ id: 1, result: {} })).flatMap((record) => harness.open(record))).toEqual([
      json({ id: 1, result: {} }),
    ]);
  });

  it('stops for good after a record fails to open', () => {
    const { harness, executor } = channels();
    const [record] = harness.seal(json({ id: 1 })) as [Uint8Array];
    const tampered = record.slice();
    tampered[5] = (tampered[5] as number) ^ 0x20;
    expect(() => executor.open(tampered)).toThrow(SecureChannelError);
    expect(() => executor.open(record)).toThrow(expect.objectContaining({ code: 'invalid_state' }));
  });
});
