import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveStreamConfig } from '../../endpoint/core/config.ts';
import { ReliableStream } from '../../endpoint/index.ts';
import { Rng } from '../../sim/link/link-simulator.ts';
import { ackFrame, bytes, data, dataSeqs, decodeAll, frameOf, makeStream } from './helpers.ts';
import { buildTransfer, expectTransferCompletes } from './transfer-scenario.ts';

describe('resume after a link loss', () => {
  it('suspends on link loss, sends nothing while down, then resumes with next_seq and its ack state', () => {
    const stream = makeStream({ rto: { mode: 'fixed', ms: 500 } });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.send(bytes(10), 0);
    stream.send(bytes(11), 0);
    stream.drain();
    stream.linkLost(10);
    expect(stream.drain().events).toEqual([{ type: 'state', state: 'suspended' }]);
    stream.send(bytes(12), 20);
    expect(stream.nextDeadline()).toBeUndefined();
    stream.tick(5000);
    expect(stream.drain().frames).toEqual([]);
    stream.linkRestored(6000);
    const out = stream.drain();
    const frames = decodeAll(out.frames);
    expect(frames[0]).toMatchObject({ ack: 1, ackBits: 0, body: { case: 'resume', value: { nextSeq: 4 } } });
    // the frame cut while the link was down goes out at once; the others wait for the peer's ack state
    expect(dataSeqs(out.frames)).toEqual([3]);
    expect(out.events).toEqual([{ type: 'state', state: 'open' }]);
  });

  it('on the first ack state after its resume, resends at once every frame that state does not cover', () => {
    const stream = makeStream({ rto: { mode: 'fixed', ms: 500 } });
    for (let i = 1; i <= 3; i += 1) stream.send(bytes(i), 0);
    const originals = stream.drain().frames;
    stream.linkLost(10);
    stream.linkRestored(20);
    stream.drain();
    stream.receive(ackFrame('s-1', 1), 25);
    const resent = stream.drain().frames;
    expect(resent).toEqual([originals[1], originals[2]]);
  });

  it('answers a peer resume by resending every unacked frame and an ack_frame, without waiting for an RTO', () => {
    const stream = makeStream({ rto: { mode: 'fixed', ms: 500 } });
    for (let i = 1; i <= 3; i += 1) stream.send(bytes(i), 0);
    const originals = stream.drain().frames;
    stream.receive(frameOf('s-1', { case: 'resume', value: { nextSeq: 1 } }, 0, 0b10), 30);
    const out = stream.drain().frames;
    expect(out.slice(0, 2)).toEqual([originals[0], originals[2]]);
    expect(decodeAll(out.slice(2)).map((f) => f.body.case)).toEqual(['ackFrame']);
  });

  it('resets when a peer resume claims a next_seq at or below what was already received', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.receive(frameOf('s-1', { case: 'resume', value: { nextSeq: 1 } }), 1);
    const reset = decodeAll(stream.drain().frames).find((f) => f.body.case === 'reset');
    expect(reset?.body).toEqual({
      case: 'reset',
      value: { reason: 'protocol_error:resume_behind_received' },
    });
  });

  it('repeats a lost resume on its RTO until the peer answers', () => {
    const stream = makeStream({ rto: { mode: 'fixed', ms: 500 } });
    stream.linkLost(0);
    stream.linkRestored(100);
    expect(decodeAll(stream.drain().frames).map((f) => f.body.case)).toEqual(['resume']);
    stream.tick(600);
    expect(decodeAll(stream.drain().frames).map((f) => f.body.case)).toEqual(['resume']);
  });

  it('reopens a never-acknowledged stream by resending its data instead of a resume', () => {
    const stream = new ReliableStream('s-1', resolveStreamConfig(), 0, { linkUp: true });
    stream.send(bytes(1), 0);
    const [first] = stream.drain().frames;
    stream.linkLost(5);
    stream.linkRestored(10);
    expect(stream.drain().frames).toEqual([first]);
  });

  it('completes a bidirectional transfer intact although the link is cut several times for random durations', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.integer({ min: 2, max: 6 }), (seed, cuts) => {
        const rng = new Rng(seed ^ 0x5eed);
        const sizesA = Array.from({ length: 40 }, () => rng.int(1, 30_000));
        const sizesB = Array.from({ length: 20 }, () => rng.int(1, 30_000));
        const transfer = buildTransfer({
          seed,
          sizesA,
          sizesB,
          config: { segmentBytes: 4096, windowBytes: 65_536 },
          faultsAB: { loss: 0.05, delayMs: 20, jitterMs: 10 },
          faultsBA: { loss: 0.05, delayMs: 20, jitterMs: 10 },
        });
        const { world, done } = transfer;
        for (let i = 0; i < cuts && !done(); i += 1) {
          world.runFor(rng.int(10, 400));
          world.disconnect();
          world.runFor(rng.int(1, 20_000));
          world.reconnect();
        }
        expectTransferCompletes(transfer, world.now + 10 * 60_000);
      }),
      { numRuns: 60, seed: 20_260_403 },
    );
  });
});

describe('resume after a long outage', () => {
  it('stays suspended after a reconnect that followed a long outage, until the peer is heard', () => {
    const stream = makeStream({ heartbeatMs: 1000 });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.drain();
    stream.linkLost(10);
    stream.linkRestored(10_000);
    expect(stream.state).toBe('suspended');
    expect(stream.drain().events).toEqual([{ type: 'state', state: 'suspended' }]);
    stream.receive(ackFrame('s-1', 0), 10_050);
    expect(stream.state).toBe('open');
    expect(stream.drain().events).toEqual([{ type: 'state', state: 'open' }]);
  });
});

describe('liveness', () => {
  it('sends a heartbeat after an idle interval, carrying its ack state', () => {
    const stream = makeStream({ heartbeatMs: 1000 });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.tick(5);
    stream.drain();
    expect(stream.nextDeadline()).toBe(1005);
    stream.tick(1005);
    expect(decodeAll(stream.drain().frames).map((f) => [f.body.case, f.ack])).toEqual([['heartbeat', 1]]);
  });

  it('sends no heartbeat before it has heard its peer, so that a lost first frame is resent, not answered with unknown_stream', () => {
    const stream = new ReliableStream('s-1', resolveStreamConfig({ heartbeatMs: 100 }), 0, { linkUp: true });
    stream.send(bytes(1), 0);
    stream.drain();
    stream.tick(150);
    const kinds = decodeAll(stream.drain().frames).map((f) => f.body.case);
    expect(kinds).not.toContain('heartbeat');
    stream.receive(ackFrame('s-1', 1), 200);
    stream.drain();
    stream.tick(300);
    expect(decodeAll(stream.drain().frames).map((f) => f.body.case)).toEqual(['heartbeat']);
  });

  it('suspends after three silent intervals and resumes on the next frame heard', () => {
    const stream = makeStream({ heartbeatMs: 1000 });
    stream.tick(2999);
    expect(stream.state).toBe('open');
    stream.drain();
    stream.tick(3000);
    expect(stream.state).toBe('suspended');
    expect(stream.drain().events).toEqual([{ type: 'state', state: 'suspended' }]);
    stream.receive(frameOf('s-1', { case: 'heartbeat', value: {} }), 3100);
    expect(stream.state).toBe('open');
    expect(stream.drain().events).toEqual([{ type: 'state', state: 'open' }]);
  });
});
