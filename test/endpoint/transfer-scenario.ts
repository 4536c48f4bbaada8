import fc from 'fast-check';
import { expect } from 'vitest';
import type { StreamConfig } from '../../endpoint/index.ts';
import { ReliableStream, StreamMux } from '../../endpoint/index.ts';
import type { LinkFaults } from '../../sim/link/link-simulator.ts';
import { SimWorld } from '../../sim/link/sim-world.ts';
import { patterned } from './helpers.ts';

export interface TransferPlan {
  seed: number;
  config?: Partial<StreamConfig>;
  faultsAB?: LinkFaults;
  faultsBA?: LinkFaults;
  /** Message sizes sent by the initiating side a → b. */
  sizesA: number[];
  /** Message sizes sent back by the accepting side b → a. */
  sizesB: number[];
  streamId?: string;
}

/** Random link faults: loss, duplication and reordering up to `probability` each, delay and jitter up to the given ms. */
export function linkFaults(max: {
  probability: number;
  delayMs: number;
  jitterMs: number;
}): fc.Arbitrary<LinkFaults> {
  const chance = fc.double({ min: 0, max: max.probability, noNaN: true });
  return fc.record({
    loss: chance,
    duplicate: chance,
    reorder: chance,
    delayMs: fc.integer({ min: 1, max: max.delayMs }),
    jitterMs: fc.integer({ min: 0, max: max.jitterMs }),
  });
}

/** Frame header and protobuf field overhead allowance per cached frame. */
const FRAME_OVERHEAD = 200;

/** Asserts the memory bounds of DESIGN.md §3 on every stream of a mux. */
export function checkWindows(mux: StreamMux): void {
  for (const id of mux.ids()) {
    const s = mux.get(id);
    if (!(s instanceof ReliableStream)) continue;
    expect(s.inFlightFrames).toBeLessThanOrEqual(mux.config.windowFrames);
    expect(s.inFlightBytes).toBeLessThanOrEqual(mux.config.windowBytes);
    expect(s.cachedBytes).toBeLessThanOrEqual(
      mux.config.windowBytes + mux.config.windowFrames * FRAME_OVERHEAD,
    );
    expect(s.reorderBufferBytes).toBeLessThanOrEqual(mux.config.windowBytes);
  }
}

/** Feeds each side's messages while its stream is writable, as a well-behaved producer does. */
export function producer(mux: StreamMux, streamId: string, messages: Uint8Array[]): (now: number) => void {
  let next = 0;
  return (now) => {
    const stream = mux.get(streamId);
    if (stream === undefined) return;
    while (next < messages.length && stream.writable) {
      stream.send(messages[next] as Uint8Array, now);
      next += 1;
    }
  };
}

export interface Transfer {
  world: SimWorld;
  id: string;
  messagesA: Uint8Array[];
  messagesB: Uint8Array[];
  done: () => boolean;
}

export function buildTransfer(plan: TransferPlan): Transfer {
  const id = plan.streamId ?? 'stream-1';
  const a = new StreamMux({ accept: false, stream: plan.config }, true);
  const b = new StreamMux({ accept: true, stream: plan.config }, true);
  const world = new SimWorld(plan.seed, a, b, plan.faultsAB, plan.faultsBA);
  const messagesA = plan.sizesA.map((size, i) => patterned(size, plan.seed + i));
  const messagesB = plan.sizesB.map((size, i) => patterned(size, plan.seed + 1000 + i));
  a.open(id, 0);
  const feedA = producer(a, id, messagesA);
  const feedB = producer(b, id, messagesB);
  world.onIdle = (w) => {
    feedA(w.now);
    feedB(w.now);
  };
  world.check = (w) => {
    checkWindows(w.a);
    checkWindows(w.b);
  };
  const done = () =>
    (world.logB.messages.get(id)?.length ?? 0) >= messagesA.length &&
    (world.logA.messages.get(id)?.length ?? 0) >= messagesB.length;
  return { world, id, messagesA, messagesB, done };
}

/** Runs the transfer until done within `maxTime` of simulated time, then asserts it intact. */
export function expectTransferCompletes(transfer: Transfer, maxTime: number): void {
  expect(transfer.world.runUntil(transfer.done, maxTime)).toBe(true);
  expectIntact(transfer.world, transfer.id, transfer.messagesA, transfer.messagesB);
}

/** Asserts each message byte for byte (Buffer.equals keeps multi-MiB comparisons fast). */
export function expectSameMessages(actual: Uint8Array[], expected: Uint8Array[]): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i += 1) {
    expect(Buffer.from(actual[i] as Uint8Array).equals(Buffer.from(expected[i] as Uint8Array))).toBe(true);
  }
}

/** Delivered exactly once, in order, byte-identical; no resets. */
export function expectIntact(
  world: SimWorld,
  id: string,
  messagesA: Uint8Array[],
  messagesB: Uint8Array[],
): void {
  const gotB = world.logB.messages.get(id) ?? [];
  const gotA = world.logA.messages.get(id) ?? [];
  expect(gotB.length).toBe(messagesA.length);
  expect(gotA.length).toBe(messagesB.length);
  expectSameMessages(gotB, messagesA);
  expectSameMessages(gotA, messagesB);
  const resets = [...(world.logA.events.get(id) ?? []), ...(world.logB.events.get(id) ?? [])].filter(
    (e) => e.type === 'reset',
  );
  expect(resets).toEqual([]);
}
