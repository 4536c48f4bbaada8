import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReliableStream, StreamMux } from '../../endpoint/index.ts';
import { SimWorld } from '../../sim/link/sim-world.ts';
import { data, decodeAll, makeStream, patterned } from './helpers.ts';
import { buildTransfer, expectTransferCompletes, linkFaults, producer } from './transfer-scenario.ts';

const ID = 'stream-1';
const WINDOW_FRAMES = 8;

/**
 * a opens the stream with one message, b answers with a steady stream of
 * messages; a's receive side is what the tests pause.
 */
function pausedReceiverWorld() {
  const config = { windowFrames: WINDOW_FRAMES, segmentBytes: 1024, windowBytes: 64 * 1024 };
  const a = new StreamMux({ accept: false, stream: config }, true);
  const b = new StreamMux({ accept: true, stream: config }, true);
  const world = new SimWorld(7, a, b, { delayMs: 1 }, { delayMs: 1 });
  const messages = Array.from({ length: 100 }, (_, i) => patterned(500, i + 1));
  const core = (mux: StreamMux): ReliableStream => {
    const s = mux.get(ID);
    if (!(s instanceof ReliableStream)) throw new Error('reliable stream not open');
    return s;
  };
  a.open(ID, 0).send(patterned(10, 0), 0);
  world.runUntil(() => b.get(ID) !== undefined, 1000);
  world.runFor(50);
  return { world, a, b, messages, aStream: core(a), bStream: core(b), feedB: producer(b, ID, messages) };
}

function delivered(world: SimWorld): number {
  return world.logA.messages.get(ID)?.length ?? 0;
}

describe('receive pause', () => {
  it('a paused receiver accepts nothing new, the peer fills its window and stops being writable, and neither side suspends', () => {
    const { world, aStream, bStream, feedB } = pausedReceiverWorld();
    aStream.pauseReceiving();
    world.onIdle = (w) => feedB(w.now);
    // Long enough for several heartbeat intervals and RTO backoffs.
    world.runFor(120_000);

    expect(delivered(world)).toBe(0);
    expect(aStream.receiving).toBe(false);
    expect(aStream.stats.refusedWhilePaused).toBeGreaterThan(0);
    expect(aStream.reorderBufferBytes).toBe(0);
    expect(bStream.inFlightFrames).toBe(WINDOW_FRAMES);
    expect(bStream.writable).toBe(false);
    expect(aStream.state).toBe('open');
    expect(bStream.state).toBe('open');
  });

  it('keeps already-received frames acked and delivers messages completed before the pause', () => {
    const stream = makeStream({ segmentBytes: 4, windowBytes: 1024 });
    const message = patterned(8, 3);
    const frame = (seq: number, index: number) =>
      data('s-1', seq, message.slice(index * 4, index * 4 + 4), 0, 0, index, 2);
    stream.receive(frame(1, 0), 0);
    stream.receive(frame(2, 1), 0);
    stream.pauseReceiving();
    expect(stream.drain().messages).toEqual([message]);
    // A new frame is refused: no ack owed, nothing held.
    stream.receive(data('s-1', 3, patterned(4, 9)), 1);
    stream.tick(100);
    const acks = decodeAll(stream.drain().frames);
    expect(acks.every((f) => f.ack === 2 && f.ackBits === 0)).toBe(true);
    // A duplicate of a held frame is still re-acked with the unchanged state.
    stream.receive(frame(2, 1), 200);
    stream.tick(200);
    const reAck = decodeAll(stream.drain().frames);
    expect(reAck).toEqual([
      expect.objectContaining({ ack: 2, ackBits: 0, body: { case: 'ackFrame', value: {} } }),
    ]);
    expect(stream.stats.refusedWhilePaused).toBe(1);
  });

  it('un-pausing sends a resume with the ack state, and the peer resends every unacked frame at once', () => {
    const { world, aStream, bStream, feedB } = pausedReceiverWorld();
    aStream.pauseReceiving();
    world.onIdle = (w) => feedB(w.now);
    world.runFor(120_000);
    const resendsBefore = bStream.stats.resumeRetransmissions;

    aStream.resumeReceiving(world.now);
    const out = aStream.drain();
    const resume = decodeAll(out.frames).find((f) => f.body.case === 'resume');
    expect(resume).toMatchObject({ ack: 0, ackBits: 0, body: { value: { nextSeq: 2 } } });
    // Put the drained frames back on the link the way the world would have.
    for (const bytes of out.frames) world.ab.send(bytes, world.now);

    // Two one-way delays and an ack delay: far below the peer's backed-off RTO.
    world.runFor(10);
    expect(bStream.stats.resumeRetransmissions - resendsBefore).toBe(WINDOW_FRAMES);
    expect(delivered(world)).toBeGreaterThanOrEqual(WINDOW_FRAMES);
    world.runFor(5_000);
    expect(delivered(world)).toBe(100);
  });

  it('un-pausing sends nothing when nothing was refused during the pause', () => {
    const stream = makeStream();
    stream.pauseReceiving();
    stream.pauseReceiving();
    stream.resumeReceiving(10);
    stream.resumeReceiving(10);
    expect(stream.drain().frames).toEqual([]);
    expect(stream.receiving).toBe(true);
  });
});

const faults = linkFaults({ probability: 0.2, delayMs: 50, jitterMs: 20 });

/** Pauses as [start, length] pairs in ms, starts increasing. */
const pauses = fc
  .array(fc.tuple(fc.integer({ min: 0, max: 200 }), fc.integer({ min: 1, max: 60_000 })), {
    maxLength: 6,
  })
  .map((gaps) => {
    let t = 0;
    return gaps.map(([gap, length]) => {
      const start = t + gap;
      t = start + length;
      return { start, end: t };
    });
  });

/** Pauses and resumes the receive side of one mux's stream on a schedule, from the world's idle hook. */
function pauser(mux: StreamMux, schedule: { start: number; end: number }[]): (now: number) => void {
  return (now) => {
    const stream = mux.get(ID);
    if (stream === undefined) return;
    const inPause = schedule.some((p) => now >= p.start && now < p.end);
    if (inPause) stream.pauseReceiving();
    else stream.resumeReceiving(now);
  };
}

describe('receive pause under a lossy link (property)', () => {
  it('delivers everything exactly once, in order, when both receivers pause and resume at random points', () => {
    const size = fc.oneof(
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 2000 }) },
      { weight: 1, arbitrary: fc.integer({ min: 2000, max: 20_000 }) },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        faults,
        faults,
        fc.array(size, { minLength: 5, maxLength: 40 }),
        fc.array(size, { minLength: 0, maxLength: 15 }),
        pauses,
        pauses,
        (seed, faultsAB, faultsBA, sizesA, sizesB, pausesA, pausesB) => {
          const transfer = buildTransfer({
            seed,
            faultsAB,
            faultsBA,
            sizesA,
            sizesB,
            config: { windowFrames: 8, segmentBytes: 1024, windowBytes: 16 * 1024 },
          });
          const world = transfer.world;
          const feed = world.onIdle;
          const pauseA = pauser(world.a, pausesA);
          const pauseB = pauser(world.b, pausesB);
          world.onIdle = (w) => {
            pauseA(w.now);
            pauseB(w.now);
            feed(w);
          };
          expectTransferCompletes(transfer, 60 * 60 * 1000);
        },
      ),
      { numRuns: 150, seed: 20_261_121 },
    );
  });
});
