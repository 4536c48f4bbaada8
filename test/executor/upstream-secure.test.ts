/**
 * A harness written from upstream's secure relay, frame by frame, against
 * the real executor process through the real rendezvous: the registry calls
 * with upstream's fields, `resume{0}` and `handshake{message 1}`, then
 * records as upstream main sends them (seq from 0, ack 0, no resends) and as
 * the reliable generation does (seq from 1, acked).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeFrame, type RelayFrame } from '../../proto/codec/index.ts';
import {
  Initiator,
  NoisePublicKey,
  relayPrologue,
  SecureMessageChannel,
  StaticIdentity,
} from '../../secure/index.ts';
import type { ExecutorProcess } from '../../sim/executor-process.ts';
import { decoded, resumeFrame } from '../../sim/raw/frames.ts';
import { openRelaySocket, type RelaySocket } from '../../sim/raw/socket.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import { spawnRelayExecutor } from '../harness/executor-process.ts';

const EXECUTOR_ID = 'upstream-secure';

let worker: WorkerUnderTest;
let executor: ExecutorProcess;

beforeAll(async () => {
  worker = await startWorker();
  executor = await spawnRelayExecutor(worker, EXECUTOR_ID);
});

afterAll(async () => {
  await executor?.stop();
  await worker?.dispose();
});

/** `POST /cloud/environment/{id}/connect` with `{harness_public_key}`, as upstream's harness calls it. */
async function connectBundle(identity: StaticIdentity) {
  const response = await fetch(`${worker.url}/cloud/environment/${EXECUTOR_ID}/connect`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${await worker.mintToken('harness', EXECUTOR_ID)}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ harness_public_key: identity.publicKey.toJSON() }),
  });
  expect(response.status).toBe(200);
  return (await response.json()) as {
    environment_id: string;
    url: string;
    security_profile: string;
    executor_public_key: unknown;
    executor_registration_id: string;
    harness_key_authorization: string;
  };
}

const frame = (streamId: string, body: RelayFrame['body']): Uint8Array =>
  encodeFrame({ version: 1, streamId, ack: 0, ackBits: 0, body });

/** The next frame of `streamId` that is not an ack or a heartbeat. */
async function nextOf(socket: RelaySocket, streamId: string): Promise<RelayFrame> {
  for (;;) {
    const next = decoded(await socket.nextFrame());
    if (next.streamId !== streamId) continue;
    if (next.body.case === 'ackFrame' || next.body.case === 'heartbeat') continue;
    return next;
  }
}

/** Opens a stream the way upstream's harness does and completes the handshake. */
async function handshake() {
  const identity = StaticIdentity.generate();
  const bundle = await connectBundle(identity);
  expect(bundle).toMatchObject({ environment_id: EXECUTOR_ID, security_profile: 'noise_hybrid_ik_v1' });
  const socket = await openRelaySocket(bundle.url);
  const streamId = randomUUID();
  const prologue = relayPrologue({
    executorId: bundle.environment_id,
    registrationId: bundle.executor_registration_id,
    streamId,
  });
  const { initiator, message1 } = Initiator.start({
    identity,
    executorPublicKey: NoisePublicKey.fromJSON(bundle.executor_public_key),
    prologue,
    authorization: bundle.harness_key_authorization,
  });
  socket.send(resumeFrame(streamId, 0));
  socket.send(frame(streamId, { case: 'handshake', value: { payload: message1 } }));
  const answer = await nextOf(socket, streamId);
  expect([answer.ack, answer.ackBits, answer.body.case]).toEqual([0, 0, 'handshake']);
  const payload = answer.body.case === 'handshake' ? answer.body.value.payload : new Uint8Array(0);
  expect(payload.length).toBe(3424);
  return { socket, streamId, channel: new SecureMessageChannel(initiator.finish(payload)) };
}

const json = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const initialize = json({
  id: 1,
  method: 'initialize',
  params: { clientName: 'upstream', resumeSessionId: null },
});

/** Sends `initialize` as the record of data seq `seq` on a fresh secure stream; the answer's frame and message. */
async function initializeAt(seq: number) {
  const { socket, streamId, channel } = await handshake();
  const [record] = channel.seal(initialize) as [Uint8Array];
  socket.send(
    frame(streamId, { case: 'data', value: { seq, segmentIndex: 0, segmentCount: 1, payload: record } }),
  );
  const reply = await nextOf(socket, streamId);
  const payload = reply.body.case === 'data' ? reply.body.value.payload : new Uint8Array(0);
  const [message] = channel.open(payload);
  await socket.close();
  return { reply, answer: JSON.parse(new TextDecoder().decode(message)) };
}

describe('an upstream-shaped harness against the secure executor', () => {
  it("completes the handshake and runs a session in upstream main's generation (records from seq 0, no acks)", async () => {
    const { reply, answer } = await initializeAt(0);
    expect([reply.ack, reply.ackBits]).toEqual([0, 0]);
    expect(reply.body).toMatchObject({ case: 'data', value: { seq: 0, segmentIndex: 0, segmentCount: 1 } });
    expect(answer).toMatchObject({ id: 1, result: { sessionId: expect.any(String) } });
  });

  it('runs a session in the reliable generation (records from seq 1, acked)', async () => {
    const { reply, answer } = await initializeAt(1);
    expect(reply.ack).toBe(1);
    expect(reply.body).toMatchObject({ case: 'data', value: { seq: 1, segmentCount: 1 } });
    expect(answer).toMatchObject({ id: 1, result: { sessionId: expect.any(String) } });
  });

  it('refuses a cleartext stream with secure_mode_required', async () => {
    const bundle = await connectBundle(StaticIdentity.generate());
    const socket = await openRelaySocket(bundle.url);
    const streamId = randomUUID();
    socket.send(
      frame(streamId, {
        case: 'data',
        value: { seq: 0, segmentIndex: 0, segmentCount: 1, payload: initialize },
      }),
    );
    expect(await nextOf(socket, streamId)).toMatchObject({
      body: { case: 'reset', value: { reason: 'secure_mode_required' } },
    });
    await socket.close();
  });
});
