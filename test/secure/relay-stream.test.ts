import { generateKeyPairSync } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayStream } from '../../endpoint/index.ts';
import { decodeFrame } from '../../proto/codec/index.ts';
import {
  type AcceptOptions,
  acceptSecureStream,
  authorizeHarnessLocally,
  initiateSecureStream,
  MAX_AUTHORIZATION_BYTES,
  type NoisePublicKey,
  type SecureMessageStream,
  StaticIdentity,
  signHarnessAuthorization,
} from '../../secure/index.ts';
import { relayPair } from './relay-pair.ts';

const harnessIdentity = StaticIdentity.generate();
const executorIdentity = StaticIdentity.generate();
const ids = { executorId: 'exec-1', registrationId: 'reg-1' };
const utf8 = (text: string) => new TextEncoder().encode(text);
const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

let pair: ReturnType<typeof relayPair>;
afterEach(() => pair?.stop());

/** A pair whose executor (with `limits`) accepts every secure stream with `authorize`, keeping the outcomes. */
function securedPair(
  authorize: AcceptOptions['authorize'] = async () => true,
  limits: NonNullable<Parameters<typeof relayPair>[0]>['executor'] = {},
) {
  pair = relayPair({ executor: limits });
  const accepted: Promise<SecureMessageStream>[] = [];
  const opened: RelayStream[] = [];
  pair.executor.onStream((stream) => {
    opened.push(stream);
    const outcome = acceptSecureStream(stream, { identity: executorIdentity, ...ids, authorize });
    outcome.catch(() => {});
    accepted.push(outcome);
  });
  return { pair, accepted, opened };
}

function initiate(options: { executorKey?: NoisePublicKey; authorization?: string; streamId?: string } = {}) {
  const stream = pair.harness.openStream(options.streamId, 'secure');
  const outcome = initiateSecureStream(stream, {
    identity: harnessIdentity,
    executorPublicKey: options.executorKey ?? executorIdentity.publicKey,
    ...ids,
    authorization: options.authorization ?? 'authorization-token',
  });
  outcome.catch(() => {});
  return { stream, outcome };
}

function received(stream: SecureMessageStream): string[] {
  const messages: string[] = [];
  stream.onMessage((m) => messages.push(text(m)));
  return messages;
}

const reasonsSent = (direction: 'toExecutor' | 'toHarness') =>
  pair.decoded(direction).flatMap((f) => (f.body.case === 'reset' ? [f.body.value.reason] : []));

describe('a secure relay stream', () => {
  it('completes the handshake and carries messages both ways, a large one over several records', async () => {
    const { accepted } = securedPair();
    const { outcome } = initiate();
    const harness = await outcome;
    const executor = await (accepted[0] as Promise<SecureMessageStream>);
    const atExecutor = received(executor);
    const atHarness = received(harness);
    const big = `{"method":"fs/writeFile","data":"${'Z'.repeat(150_000)}"}`;
    harness.send(utf8('{"id":1,"method":"initialize"}'));
    harness.send(utf8(big));
    executor.send(utf8('{"id":1,"result":{}}'));
    await pair.settle();
    expect(atExecutor).toEqual(['{"id":1,"method":"initialize"}', big]);
    expect(atHarness).toEqual(['{"id":1,"result":{}}']);
    const records = pair.decoded('toExecutor').filter((f) => f.body.case === 'data');
    expect(records.map((f) => f.body.case === 'data' && f.body.value.segmentCount)).toEqual([1, 1, 1, 1]);
    expect(Buffer.concat(pair.frames.map((f) => f.bytes)).includes('ZZZZZZZZ')).toBe(false);
    expect(harness.handshakeHash).toEqual(executor.handshakeHash);
  });

  it('fills whole records while the stream is busy, and sends a lone request at once', async () => {
    const { accepted } = securedPair();
    const harness = await initiate().outcome;
    const executor = await (accepted[0] as Promise<SecureMessageStream>);
    const atExecutor = received(executor);
    const dataFrames = () => pair.decoded('toExecutor').filter((f) => f.body.case === 'data');
    harness.send(utf8('{"id":1}'));
    expect(dataFrames()).toHaveLength(1);
    const messages = Array.from({ length: 12 }, (_, i) => `{"id":${i + 2},"pad":"${'p'.repeat(30_000)}"}`);
    for (const message of messages) harness.send(utf8(message));
    await pair.settle();
    expect(atExecutor).toEqual(['{"id":1}', ...messages]);
    const records = dataFrames().slice(1);
    expect(records.length).toBeLessThan(messages.length);
    const sizes = records.map((f) => (f.body.case === 'data' ? f.body.value.payload.length : 0));
    expect(sizes).toContain(61_440 + 16);
  });

  it('is refused when the harness pinned another executor key', async () => {
    const { accepted } = securedPair();
    const { outcome } = initiate({ executorKey: StaticIdentity.generate().publicKey });
    await expect(outcome).rejects.toMatchObject({ code: 'stream_reset' });
    await expect(accepted[0]).rejects.toMatchObject({ code: 'handshake_failed' });
    expect(reasonsSent('toHarness')).toEqual(['secure_relay_protocol_error']);
  });

  it('is refused when the harness key is not authorized, and the authorization is what was sent', async () => {
    const seen: string[] = [];
    const { accepted } = securedPair(async (key, authorization) => {
      seen.push(`${key.fingerprint()} ${authorization}`);
      return false;
    });
    const { outcome } = initiate({ authorization: 'not-good-enough' });
    await expect(outcome).rejects.toMatchObject({ code: 'stream_reset' });
    await expect(accepted[0]).rejects.toMatchObject({ code: 'unauthorized' });
    expect(seen).toEqual([`${harnessIdentity.publicKey.fingerprint()} not-good-enough`]);
  });

  it('is refused with an expired authorization signed by a trusted anchor', async () => {
    const anchor = generateKeyPairSync('ed25519');
    const authorization = signHarnessAuthorization(anchor.privateKey, {
      harnessPublicKey: harnessIdentity.publicKey,
      ...ids,
      expiresAt: new Date(Date.now() - 1000),
    });
    const { accepted } = securedPair(
      async (harnessPublicKey, token) =>
        authorizeHarnessLocally(
          { trustAnchors: [anchor.publicKey] },
          { authorization: token, harnessPublicKey, ...ids, now: new Date() },
        ).ok,
    );
    await expect(initiate({ authorization }).outcome).rejects.toMatchObject({ code: 'stream_reset' });
    await expect(accepted[0]).rejects.toMatchObject({ code: 'unauthorized' });
  });

  it('refuses an authorization over 4096 bytes before anything is sent', async () => {
    securedPair();
    const { outcome } = initiate({ authorization: 'a'.repeat(MAX_AUTHORIZATION_BYTES + 1) });
    await expect(outcome).rejects.toMatchObject({ code: 'authorization_too_long' });
    expect(pair.decoded('toExecutor').map((f) => f.body.case)).toEqual(['resume', 'reset']);
  });

  it.each([
    ['message 1', 'toExecutor'],
    ['message 2', 'toHarness'],
  ] as const)('is reset when %s is tampered with on the way', async (_, direction) => {
    const { opened } = securedPair();
    pair.link.tamper = (frame, to) => {
      if (to !== direction || frame.length < 3000) return frame;
      const copy = frame.slice();
      copy[copy.length - 100] = (copy[copy.length - 100] as number) ^ 0x04;
      return copy;
    };
    const { outcome } = initiate();
    await expect(outcome).rejects.toBeDefined();
    await pair.settle();
    expect(opened[0]?.state).toBe('reset');
    expect([...reasonsSent('toHarness'), ...reasonsSent('toExecutor')]).toEqual([
      'secure_relay_protocol_error',
    ]);
  });

  it('refuses message 1 replayed onto another stream id, and onto its own id once that stream ended', async () => {
    const { accepted } = securedPair();
    const first = initiate();
    await first.outcome;
    const message1 = pair.decoded('toExecutor').find((f) => f.body.case === 'handshake');
    if (message1 === undefined) throw new Error('no message 1 on the wire');
    pair.inject({ ...message1, streamId: 'another-stream' });
    await pair.settle();
    await expect(accepted[1]).rejects.toMatchObject({ code: 'handshake_failed' });
    first.stream.reset('closed');
    await pair.settle();
    const before = reasonsSent('toHarness').length;
    pair.inject(message1);
    await pair.settle();
    expect(reasonsSent('toHarness').slice(before)).toEqual(['secure_relay_protocol_error']);
    expect(accepted).toHaveLength(2);
  });

  it('is reset by data sent before the handshake completed', async () => {
    const { opened } = securedPair(() => new Promise(() => {}));
    initiate({ streamId: 'early' });
    await pair.settle();
    expect(opened).toHaveLength(1);
    pair.inject({
      version: 1,
      streamId: 'early',
      ack: 0,
      ackBits: 0,
      body: { case: 'data', value: { seq: 1, segmentIndex: 0, segmentCount: 1, payload: utf8('{"id":1}') } },
    });
    await pair.settle();
    expect(reasonsSent('toHarness')).toEqual(['secure_relay_protocol_error']);
  });

  it('delivers nothing altered when a bit of a record flips: the stream is reset instead', async () => {
    const { accepted } = securedPair();
    const harness = await initiate().outcome;
    const executor = await (accepted[0] as Promise<SecureMessageStream>);
    const atExecutor = received(executor);
    const resets: string[] = [];
    executor.onReset((reason) => resets.push(reason));
    pair.link.tamper = (frame, to) => {
      if (to !== 'toExecutor' || frame.length < 200) return frame;
      const copy = frame.slice();
      copy[copy.length - 20] = (copy[copy.length - 20] as number) ^ 0x80;
      return copy;
    };
    harness.send(utf8(`{"id":2,"params":"${'x'.repeat(500)}"}`));
    await pair.settle();
    expect(atExecutor).toEqual([]);
    expect(resets).toEqual(['secure_relay_protocol_error']);
  });
});

describe("a secure relay stream within the executor's limits", () => {
  const allowed = async () => true;

  it("resets a stream whose message is over the executor's largest message, holding none of it", async () => {
    const { accepted } = securedPair(allowed, { maxMessageBytes: 100_000 });
    const harness = await initiate().outcome;
    const atExecutor = received(await (accepted[0] as Promise<SecureMessageStream>));
    harness.send(utf8(`"${'x'.repeat(100_000)}"`));
    await pair.settle();
    expect(atExecutor).toEqual([]);
    // Records still on their way are answered with the same reason.
    expect(new Set(reasonsSent('toHarness'))).toEqual(new Set(['secure_relay_protocol_error']));
    expect(pair.executor.reassemblyBudget.used).toBe(0);
  });

  it('holds unfinished messages of every stream within one budget, resetting the stream that would pass it, and lets go of what a reset stream held', async () => {
    const { accepted } = securedPair(allowed, { maxReassemblyBytes: 300_000 });
    const first = initiate({ streamId: 'first' });
    const second = initiate({ streamId: 'second' });
    const [a, b] = [await first.outcome, await second.outcome];
    await Promise.all(accepted);
    // Only the first record of each message crosses: neither message is ever finished.
    pair.link.tamper = (frame, to) => {
      const decoded = decodeFrame(frame);
      const body = decoded.ok ? decoded.value.body : undefined;
      return to === 'toExecutor' && body?.case === 'data' && body.value.seq > 1 ? undefined : frame;
    };
    a.send(utf8(`"${'a'.repeat(200_000)}"`));
    await pair.settle();
    expect(pair.executor.reassemblyBudget.used).toBeGreaterThan(200_000);
    b.send(utf8(`"${'b'.repeat(200_000)}"`));
    await pair.settle();
    expect(reasonsSent('toHarness')).toEqual(['secure_relay_protocol_error']);
    expect(pair.decoded('toHarness').find((f) => f.body.case === 'reset')?.streamId).toBe('second');
    a.reset('closed');
    await pair.settle();
    expect(pair.executor.reassemblyBudget.used).toBe(0);
  });
});
