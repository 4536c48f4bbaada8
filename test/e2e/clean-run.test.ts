import { describe, expect, it } from 'vitest';
import {
  e2eProfiles,
  expectEcho,
  expectPayload,
  printSeedOnFailure,
  suiteSeed,
  useStack,
} from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

describe.each(e2eProfiles())('a clean run through the whole stack (%s)', (securityProfile) => {
  const live = useStack({ seed, securityProfile });

  it('keeps two concurrent streams on one executor socket apart, each byte-exact', async () => {
    const socket = await live.stack.sharedSocket();
    const [a, b] = [await socket.client(), await socket.client()];
    expect(a.streamId).not.toBe(b.streamId);
    await Promise.all([
      expectPayload(a, seed, 3 * 1024 * 1024, live.stack.marker, { closeOnExit: true }),
      expectPayload(b, seed + 1, 2 * 1024 * 1024 + 17, live.stack.marker, { closeOnExit: true }),
    ]);
    const stats = await live.stack.worker.stats(live.stack.executorId);
    expect(stats.sockets.executor).toBe(1);
    expect(live.stack.proxy.stats().connections.opened).toBe(2);
    await socket.close();
    await live.stack.noExecutorChildren();
  });

  it('echoes stdin byte for byte on two clients at once', async () => {
    const input = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + seed) & 0xff);
    const [a, b] = [await live.stack.harness(), await live.stack.harness()];
    await Promise.all([
      expectEcho(a, input, live.stack.marker),
      expectEcho(b, input.subarray(1000), live.stack.marker),
    ]);
    await live.stack.noExecutorChildren();
  });
});
