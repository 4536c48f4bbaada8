import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame } from '../../proto/codec/index.ts';
import { dataFrame, frameOfSize, resetReason, resumeFrame } from '../../sim/raw/frames.ts';
import { eventually } from '../../sim/raw/session.ts';
import { UpgradeRejected } from '../../sim/raw/socket.ts';
import { forwarded, useWorker } from './fixture.ts';

const MiB = 1024 * 1024;
const relay = useWorker();

/** An executor, a victim harness that misbehaves and a bystander harness with one stream. */
async function scene() {
  const executorId = `exec-${randomUUID()}`;
  const executor = await relay.openExecutor(executorId);
  const victim = await relay.openHarness(executorId);
  const bystander = await relay.openHarness(executorId);
  const stream = randomUUID();
  bystander.send(resumeFrame(stream));
  expect(await forwarded(executor)).toEqual(resumeFrame(stream));
  /** Proves the object is up and routes both ways for the bystander. */
  const stillRoutes = async () => {
    const up = dataFrame(stream, 1);
    bystander.send(up);
    expect(await forwarded(executor)).toEqual(up);
    const down = dataFrame(stream, 1);
    executor.send(down);
    expect(await bystander.nextFrame()).toEqual(down);
  };
  return { executorId, executor, victim, bystander, stillRoutes };
}

describe('bad input on relay sockets', () => {
  it('closes a socket that sends a text frame with 1003 and keeps routing for the others', async () => {
    const { executorId, victim, stillRoutes } = await scene();
    victim.send('{"jsonrpc":"2.0"}');
    expect((await victim.closed).code).toBe(1003);
    await stillRoutes();
    expect((await relay.worker.stats(executorId)).drops.text_frame).toBe(1);
  });

  it('closes a socket that sends a frame over 1 MiB with 1009, and routes a frame of exactly 1 MiB', async () => {
    const { executorId, executor, victim, stillRoutes } = await scene();
    const largest = frameOfSize(randomUUID(), MiB);
    victim.send(largest);
    expect(await forwarded(executor)).toEqual(largest);

    victim.send(frameOfSize(randomUUID(), MiB + 1));
    expect((await victim.closed).code).toBe(1009);
    await stillRoutes();
    expect((await relay.worker.stats(executorId)).drops.oversize_frame).toBe(1);
  });

  it('drops and counts garbage bytes and invalid frames by reason without closing the socket', async () => {
    const { executorId, executor, victim, stillRoutes } = await scene();
    const invalid = [
      randomBytes(64),
      Uint8Array.of(0x08),
      encodeFrame({ version: 2, streamId: 's', ack: 0, ackBits: 0, body: { case: 'heartbeat', value: {} } }),
      encodeFrame({ version: 1, streamId: '', ack: 0, ackBits: 0, body: { case: 'heartbeat', value: {} } }),
      encodeFrame({
        version: 1,
        streamId: 'x'.repeat(10_000),
        ack: 0,
        ackBits: 0,
        body: { case: 'heartbeat', value: {} },
      }),
      new Uint8Array(0),
    ];
    for (const bytes of invalid) victim.send(bytes);
    const own = resumeFrame(randomUUID());
    victim.send(own);
    // The victim's socket still works, and none of its invalid frames went through first.
    expect(await forwarded(executor)).toEqual(own);
    await stillRoutes();

    const { drops } = await relay.worker.stats(executorId);
    const invalidDrops = Object.entries(drops).filter(([reason]) => reason.startsWith('invalid_frame:'));
    expect(invalidDrops.reduce((n, [, count]) => n + count, 0)).toBe(invalid.length);
    expect(drops['invalid_frame:stream_id_too_long']).toBe(1);
    expect(drops['invalid_frame:bad_version']).toBe(1);
    expect(drops['invalid_frame:empty_stream_id']).toBe(1);
  });

  it('caps the streams of one socket that opens thousands, answering the rest with a reset', async () => {
    const { executorId, executor, victim, stillRoutes } = await scene();
    const attempts = 3000;
    const limit = 128;
    const ids = Array.from({ length: attempts }, () => randomUUID());
    for (const id of ids) victim.send(resumeFrame(id));

    const claimed = new Set<string>();
    for (let i = 0; i < limit; i++) claimed.add(Buffer.from(await forwarded(executor)).toString('hex'));
    expect(claimed).toEqual(
      new Set(ids.slice(0, limit).map((id) => Buffer.from(resumeFrame(id)).toString('hex'))),
    );
    for (let i = limit; i < attempts; i++)
      expect(resetReason(await victim.nextFrame())).toBe('too_many_streams');

    await stillRoutes();
    const stats = await relay.worker.stats(executorId);
    expect(stats.drops.stream_limit).toBe(attempts - limit);
    expect(stats.streams).toBe(limit + 1);
    expect(executor.pending()).toBe(0);
  });

  it('keeps routing the claimed streams of a socket after refusing it one stream too many', async () => {
    const { executor, victim } = await scene();
    const ids = Array.from({ length: 129 }, () => randomUUID());
    for (const id of ids) victim.send(resumeFrame(id));
    for (let i = 0; i < 128; i++) await forwarded(executor);
    expect(resetReason(await victim.nextFrame())).toBe('too_many_streams');
    const again = dataFrame(ids[0] as string, 1);
    victim.send(again);
    expect(await forwarded(executor)).toEqual(again);
  });
});

describe('configurable limits', () => {
  const limited = useWorker({ vars: { MAX_STREAMS_PER_HARNESS_SOCKET: '2', MAX_HARNESS_SOCKETS: '2' } });

  it('refuses a harness socket beyond MAX_HARNESS_SOCKETS with a 429 naming the executor and the limit, until one closes', async () => {
    const id = `exec-${randomUUID()}`;
    const first = await limited.openHarness(id);
    await limited.openHarness(id);
    const refused = await limited.openHarness(id).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(UpgradeRejected);
    expect((refused as UpgradeRejected).status).toBe(429);
    expect(JSON.parse((refused as UpgradeRejected).body)).toEqual({
      error: {
        code: 'too_many_harness_sockets',
        message: `executor ${id} already has 2 harness sockets (limit 2)`,
      },
    });

    await first.close();
    await eventually(async () => (await limited.worker.stats(id)).sockets.harness === 1);
    await limited.openHarness(id);
  });

  it("lets go of a closed socket's claims when the object is at its cap, telling the executor harness_gone", async () => {
    const id = `exec-${randomUUID()}`;
    const executor = await limited.openExecutor(id);
    const claimTwo = async () => {
      const harness = await limited.openHarness(id);
      const streams = [randomUUID(), randomUUID()];
      for (const stream of streams) {
        harness.send(resumeFrame(stream));
        await forwarded(executor);
        executor.send(dataFrame(stream, 1));
        await harness.nextFrame();
      }
      return { harness, streams };
    };
    const gone = await claimTwo();
    await claimTwo();
    await gone.harness.close();
    await eventually(async () => (await limited.worker.stats(id)).sockets.harness === 1);
    const newcomer = await limited.openHarness(id);
    const stream = randomUUID();
    newcomer.send(resumeFrame(stream));
    const told = [decodeFrame(await executor.nextFrame()), decodeFrame(await executor.nextFrame())];
    expect(told.map((frame) => frame.ok && [frame.value.streamId, frame.value.body])).toEqual(
      gone.streams.map((streamId) => [streamId, { case: 'reset', value: { reason: 'harness_gone' } }]),
    );
    expect(await forwarded(executor)).toEqual(resumeFrame(stream));
  });

  it('applies MAX_STREAMS_PER_HARNESS_SOCKET', async () => {
    const id = `exec-${randomUUID()}`;
    const executor = await limited.openExecutor(id);
    const harness = await limited.openHarness(id);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    for (const stream of ids) harness.send(resumeFrame(stream));
    expect(await forwarded(executor)).toEqual(resumeFrame(ids[0] as string));
    expect(await forwarded(executor)).toEqual(resumeFrame(ids[1] as string));
    expect(resetReason(await harness.nextFrame())).toBe('too_many_streams');
  });
});
