import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Stack } from '../../sim/stack.ts';
import { expectEcho, expectPayload, printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

let stack: Stack;

beforeAll(async () => {
  stack = await startRecordedStack({ seed });
});

afterAll(async () => {
  await stack?.dispose();
});

describe('a clean run through the whole stack', () => {
  it('keeps two concurrent streams on one executor socket apart, each byte-exact', async () => {
    const socket = await stack.sharedSocket();
    const [a, b] = [await socket.client(), await socket.client()];
    expect(a.streamId).not.toBe(b.streamId);
    await Promise.all([
      expectPayload(a, seed, 3 * 1024 * 1024, stack.marker, { closeOnExit: true }),
      expectPayload(b, seed + 1, 2 * 1024 * 1024 + 17, stack.marker, { closeOnExit: true }),
    ]);
    const stats = await stack.worker.stats(stack.executorId);
    expect(stats.sockets.executor).toBe(1);
    expect(stack.proxy.stats().connections.opened).toBe(2);
    await socket.close();
    await stack.noExecutorChildren();
  });

  it('echoes stdin byte for byte on two clients at once', async () => {
    const input = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + seed) & 0xff);
    const [a, b] = [await stack.harness(), await stack.harness()];
    await Promise.all([
      expectEcho(a, input, stack.marker),
      expectEcho(b, input.subarray(1000), stack.marker),
    ]);
    await stack.noExecutorChildren();
  });
});
