import { describe, expect, it } from 'vitest';
import { Backoff } from '../../endpoint/index.ts';
import { Rng, SimLink } from '../../sim/link/link-simulator.ts';
import { buildTransfer, expectIntact, expectTransferCompletes } from './transfer-scenario.ts';

describe('link simulator', () => {
  it('replays the same fault schedule for the same seed', () => {
    const run = (seed: number) => {
      const link = new SimLink(new Rng(seed), {
        loss: 0.2,
        duplicate: 0.2,
        reorder: 0.3,
        delayMs: 10,
        jitterMs: 5,
      });
      for (let i = 0; i < 200; i += 1) link.send(Uint8Array.of(i), i);
      return link.take(10_000).map((b) => b[0]);
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('drops everything in flight and sent during a blackhole', () => {
    const link = new SimLink(new Rng(1), { delayMs: 10 });
    link.send(Uint8Array.of(1), 0);
    link.blackhole(50);
    link.send(Uint8Array.of(2), 20);
    link.send(Uint8Array.of(3), 50);
    expect(link.take(1000)).toEqual([Uint8Array.of(3)]);
    expect(link.counters.blackholed).toBe(2);
  });

  it('completes a transfer whose corrupted frames are dropped as unreadable and recovered like loss', () => {
    const { world, messagesA, messagesB, done } = buildTransfer({
      seed: 11,
      sizesA: Array.from({ length: 30 }, (_, i) => 100 + i * 500),
      sizesB: [5, 5000],
      config: { segmentBytes: 2048 },
      faultsAB: { corrupt: 0.2, delayMs: 10 },
      faultsBA: { corrupt: 0.2, delayMs: 10 },
    });
    expect(world.runUntil(done, 60 * 60_000)).toBe(true);
    expect(world.ab.counters.corrupted).toBeGreaterThan(0);
    expectIntact(world, 'stream-1', messagesA, messagesB);
  });

  it('survives a blackhole in one direction longer than the RTO', () => {
    const transfer = buildTransfer({
      seed: 3,
      sizesA: Array.from({ length: 20 }, () => 3000),
      sizesB: [],
      faultsAB: { delayMs: 10 },
    });
    const world = transfer.world;
    world.runFor(30);
    world.ab.blackhole(world.now + 10_000);
    expectTransferCompletes(transfer, 10 * 60_000);
  });
});

describe('reconnect backoff', () => {
  it('doubles from the initial delay to the cap with jitter in the upper half, and starts over after a stable connection', () => {
    const lowest = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0 });
    expect(Array.from({ length: 7 }, (_, i) => lowest.next(i))).toEqual([
      500, 1000, 2000, 4000, 8000, 15_000, 15_000,
    ]);
    const highest = new Backoff({ initialMs: 1000, maxMs: 30_000, random: () => 0.999999 });
    const top = Array.from({ length: 7 }, (_, i) => Math.round(highest.next(i)));
    expect(top).toEqual([1000, 2000, 4000, 8000, 16_000, 30_000, 30_000]);
    highest.opened(100);
    expect(Math.round(highest.next(100 + 9_999))).toBe(30_000);
    highest.opened(20_000);
    expect(Math.round(highest.next(20_000 + 10_000))).toBe(1000);
  });
});
