import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionState, RelayEndpoint } from '../../endpoint/index.ts';
import { silentLogger } from '../../executor/logger.ts';
import { SECURE_RELAY_LIMITS, SecureAcceptor } from '../../executor/secure-acceptor.ts';
import { initiateSecureStream, StaticIdentity } from '../../secure/index.ts';
import { relayPair } from '../secure/relay-pair.ts';

const executorIdentity = StaticIdentity.generate();
const harnessIdentity = StaticIdentity.generate();

/** The part of a relay endpoint the acceptor uses: the socket it may drop and the state it watches. */
function socketOf() {
  const listeners: ((state: ConnectionState) => void)[] = [];
  const drops: string[] = [];
  const endpoint = {
    onConnectionState: (listener: (state: ConnectionState) => void) => {
      listeners.push(listener);
      return () => {};
    },
    dropSocket: (reason: string) => drops.push(reason),
  } as unknown as RelayEndpoint;
  return {
    endpoint,
    drops,
    reopen: () => {
      for (const listener of listeners) listener('open');
    },
  };
}

let pair: ReturnType<typeof relayPair>;
afterEach(() => pair?.stop());

function acceptorPair(validate: () => Promise<boolean>) {
  pair = relayPair();
  const socket = socketOf();
  const acceptor = new SecureAcceptor({
    identity: executorIdentity,
    executorId: 'exec-1',
    registrationId: () => 'reg-1',
    validate,
    endpoint: socket.endpoint,
    logger: silentLogger(),
  });
  pair.executor.onStream((stream) => void acceptor.accept(stream));
  const handshake = () => {
    const outcome = initiateSecureStream(pair.harness.openStream(undefined, 'secure'), {
      identity: harnessIdentity,
      executorPublicKey: executorIdentity.publicKey,
      executorId: 'exec-1',
      registrationId: 'reg-1',
      authorization: 'token',
    });
    outcome.catch(() => {});
    return outcome;
  };
  const resets = () =>
    pair
      .decoded('toHarness')
      .filter((f) => f.body.case === 'reset' && f.body.value.reason === 'secure_relay_protocol_error').length;
  return { ...socket, handshake, resets };
}

describe("the executor's secure acceptor", () => {
  it('refuses a handshake beyond 32 validations in flight, without counting it as failed', async () => {
    const { handshake, resets, drops } = acceptorPair(() => new Promise(() => {}));
    for (let i = 0; i <= SECURE_RELAY_LIMITS.pendingValidations + 8; i++) handshake();
    await pair.settle(60);
    expect(resets()).toBe(9);
    expect(drops).toEqual([]);
  });

  it('drops its socket on the 8th failed handshake, and counts afresh on the next socket', async () => {
    const { handshake, resets, drops, reopen } = acceptorPair(async () => false);
    for (let i = 1; i < SECURE_RELAY_LIMITS.failedHandshakes; i++) await handshake().catch(() => {});
    expect(resets()).toBe(7);
    expect(drops).toEqual([]);
    await handshake().catch(() => {});
    expect(drops).toEqual(['too many failed secure handshakes']);
    reopen();
    for (let i = 1; i < SECURE_RELAY_LIMITS.failedHandshakes; i++) await handshake().catch(() => {});
    expect(drops).toHaveLength(1);
  });

  it('completes handshakes the registry validates', async () => {
    const { handshake, drops } = acceptorPair(async () => true);
    const streams = await Promise.all([handshake(), handshake()]);
    expect(streams.map((s) => s.kind)).toEqual(['secure', 'secure']);
    expect(drops).toEqual([]);
  });
});
