/**
 * Upstream's seed test for the relay (`exec-server/tests/relay.rs`,
 * `multiplexed_remote_executor_routes_independent_virtual_streams`),
 * re-expressed against the real `relaykit executor` process: the test plays
 * upstream's legacy cleartext harness (data from seq 0, ack 0, no acks, no
 * retransmissions) through a fake registry and a fake rendezvous.
 */
import { rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../proto/codec/index.ts';
import { type ExecutorProcess, spawnExecutor } from '../../sim/executor-process.ts';
import { baseUrl, closeServer, FakeRendezvous, startFakeRegistry } from './seed-rendezvous.ts';

const EXECUTOR_ID = 'exec-mux-test';
const REGISTRY_TOKEN = 'registry-token';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

let rendezvous: FakeRendezvous;
let executor: ExecutorProcess;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  rendezvous = await FakeRendezvous.start();
  cleanups.push(() => rendezvous.close());
  const registry = await startFakeRegistry(EXECUTOR_ID, REGISTRY_TOKEN, baseUrl(rendezvous.server, 'ws'));
  cleanups.push(() => closeServer(registry));
  executor = await spawnExecutor({
    registryUrl: baseUrl(registry, 'http'),
    executorId: EXECUTOR_ID,
    token: REGISTRY_TOKEN,
    args: ['--token', REGISTRY_TOKEN, '--security-profile', 'cleartext'],
  });
  cleanups.push(() => executor.stop());
  await rendezvous.accepted();
});

afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const request = (id: number, method: string, params: object) => ({ id, method, params });
const notification = (method: string, params: object) => ({ method, params });
/** As upstream's serde writes `InitializeParams { resume_session_id: None, … }`. */
const initializeRequest = (id: number, clientName: string) =>
  request(id, 'initialize', { clientName, resumeSessionId: null });

function sessionIdOf(message: Record<string, unknown> | undefined, streamId: string): string {
  expect(message, `initialize response for ${streamId}`).toMatchObject({
    id: 1,
    result: { sessionId: expect.stringMatching(UUID) },
  });
  return (message as { result: { sessionId: string } }).result.sessionId;
}

function expectErrorNaming(message: Record<string, unknown> | undefined, id: number, method: string): void {
  expect(message).toMatchObject({ id, error: { message: expect.stringContaining(method) } });
}

describe('the relay seed test, against the real executor', () => {
  it('routes two legacy streams on one executor socket to independent sessions, and a reset of one leaves the other answering', async () => {
    const [a, b] = ['stream-a', 'stream-b'];
    rendezvous.sendMessage(a, 0, initializeRequest(1, 'relay-test-a'));
    rendezvous.sendMessage(b, 0, initializeRequest(1, 'relay-test-b'));
    const initialized = await rendezvous.readMessagesByStream(2);
    const sessionA = sessionIdOf(initialized.get(a), a);
    const sessionB = sessionIdOf(initialized.get(b), b);
    expect(sessionA).not.toBe(sessionB);

    rendezvous.sendMessage(a, 1, notification('initialized', {}));
    rendezvous.sendMessage(b, 1, notification('initialized', {}));
    rendezvous.sendMessage(a, 2, request(2, 'test/unknown-a', {}));
    rendezvous.sendMessage(b, 2, request(2, 'test/unknown-b', {}));
    const unknown = await rendezvous.readMessagesByStream(2);
    expectErrorNaming(unknown.get(a), 2, 'test/unknown-a');
    expectErrorNaming(unknown.get(b), 2, 'test/unknown-b');

    rendezvous.sendReset(a, 'test_reset');
    rendezvous.sendMessage(b, 3, request(3, 'test/unknown-b-after-reset', {}));
    const next = await rendezvous.readMessage();
    expect(next.streamId).toBe(b);
    expectErrorNaming(next.message, 3, 'test/unknown-b-after-reset');
  });
});

describe('legacy streams on the executor, beyond the seed', () => {
  it('numbers its replies from 0, each one whole data frame with ack 0 and ack_bits 0, and sends nothing else', async () => {
    const id = 'stream-numbered';
    rendezvous.sendMessage(id, 0, request(1, 'initialize', { clientName: 'numbered' }));
    rendezvous.sendMessage(id, 1, notification('initialized', {}));
    rendezvous.sendMessage(id, 2, request(2, 'test/one', {}));
    rendezvous.sendMessage(id, 3, request(3, 'test/two', {}));
    const frames = [await rendezvous.readFrame(), await rendezvous.readFrame(), await rendezvous.readFrame()];
    expect(
      frames.map((f) => [f.streamId, f.ack, f.ackBits, f.body.case === 'data' && f.body.value.seq]),
    ).toEqual([
      [id, 0, 0, 0],
      [id, 0, 0, 1],
      [id, 0, 0, 2],
    ]);
    expect(frames.every((f) => f.body.case === 'data' && f.body.value.segmentCount === 1)).toBe(true);
  });

  it('ignores resume{next_seq: 0}, answers a handshake with reset{secure_mode_not_enabled}, and then opens the stream on data', async () => {
    const id = 'stream-claimed';
    const header = { version: 1, streamId: id, ack: 0, ackBits: 0 };
    rendezvous.send({ ...header, body: { case: 'resume', value: { nextSeq: 0 } } });
    rendezvous.send({ ...header, body: { case: 'handshake', value: { payload: Uint8Array.of(1, 2, 3) } } });
    const refused = await rendezvous.readFrame();
    expect(refused.streamId).toBe(id);
    expect(refused.body).toMatchObject({ case: 'reset', value: { reason: 'secure_mode_not_enabled' } });

    rendezvous.sendMessage(id, 0, request(1, 'initialize', { clientName: 'claimed' }));
    const answer = await rendezvous.readMessage();
    expect(answer.streamId).toBe(id);
    expect(answer.message).toMatchObject({ id: 1, result: { sessionId: expect.stringMatching(UUID) } });
  });

  it('answers reads of more than one frame can hold in answers that each fit in one frame: process/read, fs/readFile, fs/readBlock', async () => {
    const id = 'stream-large-reads';
    let seq = 0;
    const answers = new Map<number, Record<string, unknown>>();
    const frameSizes: number[] = [];
    let closed = false;
    const call = async (requestId: number, method: string, params: object) => {
      answers.delete(requestId);
      rendezvous.sendMessage(id, seq++, request(requestId, method, params));
      while (!answers.has(requestId)) {
        const frame = await rendezvous.readFrame();
        if (frame.streamId !== id || frame.body.case !== 'data') continue;
        frameSizes.push(frame.body.value.payload.length);
        const message = JSON.parse(new TextDecoder().decode(frame.body.value.payload));
        if (typeof message.id === 'number') answers.set(message.id, message);
        else if (message.method === 'process/closed') closed = true;
      }
      return answers.get(requestId) as { result?: Record<string, unknown>; error?: { message: string } };
    };
    await call(1, 'initialize', { clientName: 'large-reads' });
    rendezvous.sendMessage(id, seq++, notification('initialized', {}));
    // More than one frame can carry, less than the executor retains (1 MiB).
    const outputBytes = 900_000;
    await call(2, 'process/start', {
      processId: 'p',
      argv: ['sh', '-c', `head -c ${outputBytes} /dev/zero | tr '\\0' x`],
      tty: false,
    });
    // All of it waits in the executor before the first read, which asks for all of it.
    while (!closed) await call(3, 'process/read', { processId: 'p', afterSeq: 0, maxBytes: 1, waitMs: 100 });
    let read = 0;
    let reads = 0;
    let afterSeq = 0;
    for (let n = 4; ; n++) {
      const { result, error } = await call(n, 'process/read', {
        processId: 'p',
        afterSeq,
        maxBytes: 4 << 20,
        waitMs: 2000,
      });
      expect(error, JSON.stringify(error)).toBeUndefined();
      const chunks = result?.chunks as { chunk: string }[];
      for (const c of chunks) read += Buffer.from(c.chunk, 'base64').length;
      reads += 1;
      afterSeq = (result?.nextSeq as number) - 1;
      if (result?.closed) break;
    }
    expect(read).toBe(outputBytes);
    expect(reads).toBeGreaterThan(1);

    const path = join(tmpdir(), `relaykit-legacy-large-${process.pid}`);
    const file = Buffer.alloc(2 * MAX_FRAME_BYTES, 7);
    await writeFile(path, file);
    try {
      const whole = await call(100, 'fs/readFile', { path });
      expect(whole.error?.message).toMatch(
        /^file is too large to read: limit is \d+ bytes; read it with fs\/open/,
      );
      await call(101, 'fs/open', { handleId: 'h', path });
      const blocks: Buffer[] = [];
      for (let n = 102, offset = 0; ; n++) {
        const { result } = await call(n, 'fs/readBlock', { handleId: 'h', offset, len: MAX_FRAME_BYTES });
        const block = Buffer.from(result?.chunk as string, 'base64');
        expect(block.length).toBeLessThan(MAX_FRAME_BYTES);
        blocks.push(block);
        offset += block.length;
        if (result?.eof) break;
      }
      expect(Buffer.concat(blocks).equals(file)).toBe(true);
    } finally {
      await rm(path, { force: true });
    }
    expect(Math.max(...frameSizes)).toBeLessThanOrEqual(MAX_FRAME_BYTES);
  });
});
