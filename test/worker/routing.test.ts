import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  dataFrame,
  handshakeFrame,
  resetFrame,
  resetReason,
  resumeFrame,
  unknownBodyFrame,
} from '../../sim/raw/frames.ts';
import { eventually } from '../../sim/raw/session.ts';
import { forwarded, useWorker } from './fixture.ts';

const relay = useWorker();

const freshId = () => `exec-${randomUUID()}`;

/** One executor and two harness sockets with two claimed streams each. */
async function twoHarnessesTwoStreams(executorId: string) {
  const executor = await relay.openExecutor(executorId);
  const h1 = await relay.openHarness(executorId);
  const h2 = await relay.openHarness(executorId);
  const streams = { a1: randomUUID(), a2: randomUUID(), b1: randomUUID(), b2: randomUUID() };
  for (const [socket, ids] of [
    [h1, [streams.a1, streams.a2]],
    [h2, [streams.b1, streams.b2]],
  ] as const) {
    for (const id of ids) {
      const claim = resumeFrame(id);
      socket.send(claim);
      expect(await forwarded(executor)).toEqual(claim);
    }
  }
  return { executor, h1, h2, streams };
}

describe('routing between one executor and many harness sockets', () => {
  it('delivers every frame to exactly its destination with its bytes unchanged', async () => {
    const executorId = freshId();
    const { executor, h1, h2, streams } = await twoHarnessesTwoStreams(executorId);

    const up = [
      dataFrame(streams.a1, 1),
      dataFrame(streams.b1, 1),
      dataFrame(streams.a2, 1),
      dataFrame(streams.b2, 1),
    ];
    h1.send(up[0] as Uint8Array);
    h2.send(up[1] as Uint8Array);
    h1.send(up[2] as Uint8Array);
    h2.send(up[3] as Uint8Array);
    const atExecutor = [await forwarded(executor), await forwarded(executor), await forwarded(executor)];
    atExecutor.push(await forwarded(executor));
    expect(new Set(atExecutor.map((f) => Buffer.from(f).toString('hex')))).toEqual(
      new Set(up.map((f) => Buffer.from(f).toString('hex'))),
    );

    const down = {
      a1: dataFrame(streams.a1, 1),
      b1: dataFrame(streams.b1, 1),
      a2: dataFrame(streams.a2, 1),
      b2: dataFrame(streams.b2, 1),
      endA: dataFrame(streams.a1, 2),
      endB: dataFrame(streams.b1, 2),
    };
    for (const frame of [down.a1, down.b1, down.a2, down.b2, down.endA, down.endB]) executor.send(frame);
    // Each harness gets its own frames in order and nothing else before its end marker.
    expect([await h1.nextFrame(), await h1.nextFrame(), await h1.nextFrame()]).toEqual([
      down.a1,
      down.a2,
      down.endA,
    ]);
    expect([await h2.nextFrame(), await h2.nextFrame(), await h2.nextFrame()]).toEqual([
      down.b1,
      down.b2,
      down.endB,
    ]);

    const stats = await relay.worker.stats(executorId);
    expect(stats.frames).toEqual({ harness_to_executor: 8, executor_to_harness: 6 });
    expect(stats.bytes.executor_to_harness).toBe(Object.values(down).reduce((n, f) => n + f.length, 0));
    expect(stats.sockets).toEqual({ executor: 1, harness: 2 });
    expect(stats.streams).toBe(4);
    expect(stats.drops).toEqual({});
  });

  it("drops what a third harness sends on another harness's stream_id, and never sends it that stream's frames", async () => {
    const executorId = freshId();
    const { executor, h1, streams } = await twoHarnessesTwoStreams(executorId);
    const intruder = await relay.openHarness(executorId);

    intruder.send(dataFrame(streams.a1, 1));
    intruder.send(resumeFrame(streams.b2));
    const legit = dataFrame(streams.a1, 1);
    h1.send(legit);
    expect(await forwarded(executor)).toEqual(legit);

    const own = randomUUID();
    const reply = dataFrame(streams.a1, 1);
    executor.send(reply);
    intruder.send(resumeFrame(own));
    expect(await forwarded(executor)).toEqual(resumeFrame(own));
    const toIntruder = dataFrame(own, 1);
    executor.send(toIntruder);
    expect(await h1.nextFrame()).toEqual(reply);
    expect(await intruder.nextFrame()).toEqual(toIntruder);

    const stats = await relay.worker.stats(executorId);
    expect(stats.drops).toEqual({ foreign_stream: 2 });
  });

  it('closes the previous executor socket with 4000 "replaced" and routes to the new one, keeping streams of the same instance', async () => {
    const executorId = freshId();
    const { executor, h1, streams } = await twoHarnessesTwoStreams(executorId);

    const second = await relay.openExecutor(executorId, 'instance-1');
    expect(await executor.closed).toEqual({ code: 4000, reason: 'replaced' });

    const up = dataFrame(streams.a1, 2);
    h1.send(up);
    expect(await forwarded(second)).toEqual(up);
    const down = dataFrame(streams.a2, 2);
    second.send(down);
    // No executor_restarted reset came first: the same process reconnected.
    expect(await h1.nextFrame()).toEqual(down);
    expect((await relay.worker.stats(executorId)).sockets.executor).toBe(1);
  });

  it('resets every stream of the old executor with executor_restarted when a new instance connects', async () => {
    const executorId = freshId();
    const { h1, h2, streams } = await twoHarnessesTwoStreams(executorId);

    const restarted = await relay.openExecutor(executorId, 'instance-2');
    const atH1 = [await h1.nextFrame(), await h1.nextFrame()];
    const atH2 = [await h2.nextFrame(), await h2.nextFrame()];
    expect(atH1.map(resetReason)).toEqual(['executor_restarted', 'executor_restarted']);
    expect(atH2.map(resetReason)).toEqual(['executor_restarted', 'executor_restarted']);
    const stats = await relay.worker.stats(executorId);
    expect(stats.streams).toBe(0);
    expect(stats.executor_instance).toBe('instance-2');

    // The ids are free again: opening a stream anew routes to the new executor.
    const reopen = resumeFrame(streams.a1);
    h1.send(reopen);
    expect(await forwarded(restarted)).toEqual(reopen);
  });

  it('drops and counts frames while no executor is connected, then routes once one registers', async () => {
    const executorId = freshId();
    const harness = await relay.openHarness(executorId);
    const stream = randomUUID();
    for (let seq = 1; seq <= 3; seq++) harness.send(dataFrame(stream, seq));
    await eventually(async () => (await relay.worker.stats(executorId)).drops.executor_absent === 3);

    const executor = await relay.openExecutor(executorId);
    const resend = dataFrame(stream, 1);
    harness.send(resend);
    expect(await forwarded(executor)).toEqual(resend);
    const stats = await relay.worker.stats(executorId);
    expect(stats.drops).toEqual({ executor_absent: 3 });
    expect(stats.frames.harness_to_executor).toBe(1);
  });

  it('drops executor frames for streams nobody claimed or whose harness is gone', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    const stream = randomUUID();
    harness.send(resumeFrame(stream));
    await forwarded(executor);
    await harness.close();

    executor.send(dataFrame(randomUUID(), 1));
    executor.send(dataFrame(stream, 1));
    await eventually(async () => {
      const { drops } = await relay.worker.stats(executorId);
      return drops.unclaimed_stream === 1 && drops.harness_absent === 1;
    });
  });

  it('re-binds a claimed stream to the reconnected harness when it sends resume', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const token = await relay.worker.mintToken('harness', executorId);
    const first = await relay.openHarness(executorId, token);
    const stream = randomUUID();
    first.send(dataFrame(stream, 1));
    await forwarded(executor);
    await first.close();

    const again = await relay.openHarness(executorId, token);
    const resume = resumeFrame(stream, 2);
    again.send(resume);
    expect(await forwarded(executor)).toEqual(resume);
    const down = dataFrame(stream, 1);
    executor.send(down);
    expect(await again.nextFrame()).toEqual(down);
  });

  it('moves a stream to the new socket on resume even while the old socket of the same identity is still open', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const token = await relay.worker.mintToken('harness', executorId);
    const old = await relay.openHarness(executorId, token);
    const stream = randomUUID();
    old.send(resumeFrame(stream));
    await forwarded(executor);

    const fresh = await relay.openHarness(executorId, token);
    fresh.send(resumeFrame(stream, 1));
    await forwarded(executor);
    const down = dataFrame(stream, 1);
    executor.send(down);
    expect(await fresh.nextFrame()).toEqual(down);
    expect(old.pending()).toBe(0);
  });

  it('releases a stream when a reset passes through, so the id can be claimed again', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const h1 = await relay.openHarness(executorId);
    const h2 = await relay.openHarness(executorId);
    const stream = randomUUID();
    h1.send(resumeFrame(stream));
    await forwarded(executor);
    executor.send(dataFrame(stream, 1));
    await h1.nextFrame();
    const reset = resetFrame(stream, 'closed');
    executor.send(reset);
    expect(await h1.nextFrame()).toEqual(reset);

    h2.send(resumeFrame(stream));
    expect(await forwarded(executor)).toEqual(resumeFrame(stream));
    expect((await relay.worker.stats(executorId)).streams).toBe(1);
  });
});

describe('routing frames whatever their body', () => {
  it('routes handshake frames and frames whose body relaykit does not know, both ways, by their header', async () => {
    const executorId = freshId();
    const executor = await relay.openExecutor(executorId);
    const harness = await relay.openHarness(executorId);
    const stream = randomUUID();
    const claim = resumeFrame(stream, 0);
    const handshake = handshakeFrame(stream);
    const unknownBody = unknownBodyFrame(stream);
    for (const frame of [claim, handshake, unknownBody]) {
      harness.send(frame);
      expect(await forwarded(executor)).toEqual(frame);
    }
    for (const frame of [handshake, unknownBody]) {
      executor.send(frame);
      expect(await harness.nextFrame()).toEqual(frame);
    }
    const stats = await relay.worker.stats(executorId);
    expect(stats.frames).toEqual({ harness_to_executor: 3, executor_to_harness: 2 });
    expect(stats.drops).toEqual({});
  });
});

describe('routing across hibernation and eviction', () => {
  it('routes both ways and still refuses foreign harnesses after the object is evicted between frames', async () => {
    const executorId = freshId();
    const { executor, h1, h2, streams } = await twoHarnessesTwoStreams(executorId);
    const before = await relay.worker.stats(executorId);

    await relay.worker.evictDurableObject(executorId);

    const up = dataFrame(streams.b2, 1);
    h2.send(up);
    expect(await forwarded(executor)).toEqual(up);
    const down = [dataFrame(streams.a1, 1), dataFrame(streams.b1, 1)];
    executor.send(down[0] as Uint8Array);
    executor.send(down[1] as Uint8Array);
    expect(await h1.nextFrame()).toEqual(down[0]);
    expect(await h2.nextFrame()).toEqual(down[1]);

    await relay.worker.evictDurableObject(executorId);
    h2.send(dataFrame(streams.a1, 9));
    const marker = dataFrame(streams.a1, 2);
    h1.send(marker);
    expect(await forwarded(executor)).toEqual(marker);

    const after = await relay.worker.stats(executorId);
    expect(after.object_starts).toBe(before.object_starts + 2);
    expect(after.sockets).toEqual({ executor: 1, harness: 2 });
    expect(after.streams).toBe(4);
    expect(after.drops).toEqual({ foreign_stream: 1 });
    expect(after.frames.harness_to_executor).toBe(before.frames.harness_to_executor + 2);
  });

  it('replaces the executor correctly when the replacement arrives after an eviction', async () => {
    const executorId = freshId();
    const { executor, h1, streams } = await twoHarnessesTwoStreams(executorId);
    await relay.worker.evictDurableObject(executorId);

    const restarted = await relay.openExecutor(executorId, 'instance-2');
    expect(await executor.closed).toEqual({ code: 4000, reason: 'replaced' });
    expect([await h1.nextFrame(), await h1.nextFrame()].map(resetReason)).toEqual([
      'executor_restarted',
      'executor_restarted',
    ]);
    const reopen = resumeFrame(streams.a2);
    h1.send(reopen);
    expect(await forwarded(restarted)).toEqual(reopen);
  });
});
