import { describe, expect, it } from 'vitest';
import { MessageTooLargeError, StreamClosedError } from '../../endpoint/index.ts';
import { ackFrame, bytes, data, dataSeqs, decodeAll, makeStream, resetReasons } from './helpers.ts';

const fixed = (ms: number) => ({ mode: 'fixed' as const, ms });

describe('send window', () => {
  it('puts at most 32 frames in flight and reports backpressure when full', () => {
    const stream = makeStream();
    const accepted: boolean[] = [];
    for (let i = 0; i < 40; i += 1) accepted.push(stream.send(bytes(i + 1), 0));
    expect(dataSeqs(stream.drain().frames)).toEqual(Array.from({ length: 32 }, (_, i) => i + 1));
    expect(stream.inFlightFrames).toBe(32);
    expect(accepted.slice(0, 31).every(Boolean)).toBe(true);
    expect(accepted[31]).toBe(false);
    expect(stream.writable).toBe(false);
  });

  it('limits unacked payload to the byte window', () => {
    const stream = makeStream({ windowBytes: 1000, segmentBytes: 400 });
    for (let i = 0; i < 5; i += 1) stream.send(new Uint8Array(300).fill(i + 1), 0);
    expect(dataSeqs(stream.drain().frames)).toEqual([1, 2, 3]);
    expect(stream.inFlightBytes).toBe(900);
  });

  it('opens the window only on the cumulative ack and fires writable', () => {
    const stream = makeStream({ windowFrames: 2 });
    stream.send(bytes(1), 0);
    stream.send(bytes(2), 0);
    stream.send(bytes(3), 0);
    expect(dataSeqs(stream.drain().frames)).toEqual([1, 2]);
    stream.receive(ackFrame('s-1', 0, 0b10), 10);
    // the hole behind the selective ack is resent, but seq 3 must wait for the cumulative ack
    expect(dataSeqs(stream.drain().frames)).toEqual([1]);
    stream.receive(ackFrame('s-1', 2), 11);
    const out = stream.drain();
    expect(dataSeqs(out.frames)).toEqual([3]);
    expect(out.events).toContainEqual({ type: 'writable' });
  });

  it('frees a selectively acked frame and never resends it', () => {
    const stream = makeStream({ rto: fixed(100) });
    stream.send(bytes(1), 0);
    stream.send(bytes(2), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 0, 0b10), 10);
    stream.tick(100);
    expect(dataSeqs(stream.drain().frames)).toEqual([1]);
  });

  it('segments a large message into consecutive seqs with indexes and a shared count', () => {
    const stream = makeStream({ segmentBytes: 100 });
    stream.send(new Uint8Array(250).fill(7), 0);
    const frames = decodeAll(stream.drain().frames);
    expect(
      frames.map((f) =>
        f.body.case === 'data'
          ? [
              f.body.value.seq,
              f.body.value.segmentIndex,
              f.body.value.segmentCount,
              f.body.value.payload.length,
            ]
          : [],
      ),
    ).toEqual([
      [1, 0, 3, 100],
      [2, 1, 3, 100],
      [3, 2, 3, 50],
    ]);
  });

  it('refuses a message above the maximum size and an empty message', () => {
    const stream = makeStream({ maxMessageBytes: 10 });
    expect(() => stream.send(new Uint8Array(11), 0)).toThrow(MessageTooLargeError);
    expect(() => stream.send(new Uint8Array(0), 0)).toThrow(RangeError);
  });

  it('resets with seq_exhausted on reaching the seq limit, and refuses sends after', () => {
    const stream = makeStream({ seqLimit: 4 });
    for (let i = 0; i < 4; i += 1) stream.send(bytes(i + 1), 0);
    const out = stream.drain();
    expect(dataSeqs(out.frames)).toEqual([1, 2, 3]);
    const last = decodeAll(out.frames).at(-1);
    expect(last?.body).toEqual({ case: 'reset', value: { reason: 'seq_exhausted' } });
    expect(out.events).toContainEqual({ type: 'reset', reason: 'seq_exhausted', byPeer: false });
    expect(() => stream.send(bytes(9), 1)).toThrow(StreamClosedError);
  });
});

describe('ack protocol errors', () => {
  it('resets on an ack with bit 0 set', () => {
    const stream = makeStream();
    stream.send(bytes(1), 0);
    stream.send(bytes(2), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 0, 0b1), 1);
    const out = stream.drain();
    expect(resetReasons(out.frames)[0]).toBe('protocol_error:ack_bit0_set');
    expect(stream.state).toBe('reset');
  });

  it('resets on a cumulative ack beyond the highest seq sent', () => {
    const stream = makeStream();
    stream.send(bytes(1), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 2), 1);
    expect(resetReasons(stream.drain().frames)[0]).toBe('protocol_error:ack_beyond_sent');
  });

  it('resets on a bitmap bit beyond the highest seq sent', () => {
    const stream = makeStream();
    stream.send(bytes(1), 0);
    stream.send(bytes(2), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 0, 0b100), 1);
    expect(resetReasons(stream.drain().frames)[0]).toBe('protocol_error:ack_beyond_sent');
  });

  it('resets on any ack before anything was sent', () => {
    const stream = makeStream();
    stream.receive(ackFrame('s-1', 1), 1);
    expect(resetReasons(stream.drain().frames)[0]).toBe('protocol_error:ack_beyond_sent');
  });

  it('carries ack 0 and ack_bits 0 in its reset header', () => {
    const stream = makeStream();
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.reset('closed', 1);
    const reset = decodeAll(stream.drain().frames).find((f) => f.body.case === 'reset');
    expect(reset).toMatchObject({ ack: 0, ackBits: 0 });
  });
});

describe('retransmission', () => {
  it('resends byte-identical frames, stale ack header included', () => {
    const stream = makeStream({ rto: fixed(500) });
    stream.send(bytes(1, 2, 3), 0);
    const [original] = stream.drain().frames;
    stream.receive(data('s-1', 1, bytes(5)), 10);
    stream.tick(15);
    stream.drain();
    stream.tick(500);
    const [resent] = stream.drain().frames;
    expect(resent).toEqual(original);
  });

  it('retransmits every 500 ms without backoff in fixed mode', () => {
    const stream = makeStream({ rto: fixed(500) });
    stream.send(bytes(1), 0);
    stream.drain();
    const times: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const t = stream.nextDeadline() as number;
      times.push(t);
      stream.tick(t);
      expect(dataSeqs(stream.drain().frames)).toEqual([1]);
    }
    expect(times).toEqual([500, 1000, 1500, 2000]);
  });

  it('doubles the adaptive RTO on each timeout up to the maximum', () => {
    const stream = makeStream({ rto: { mode: 'adaptive', initialMs: 1000, minMs: 200, maxMs: 5000 } });
    stream.send(bytes(1), 0);
    stream.drain();
    const gaps: number[] = [];
    let last = 0;
    for (let i = 0; i < 5; i += 1) {
      const t = stream.nextDeadline() as number;
      gaps.push(t - last);
      last = t;
      stream.tick(t);
      expect(dataSeqs(stream.drain().frames)).toEqual([1]);
    }
    expect(gaps).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('derives the RTO from measured round trips of frames sent once', () => {
    const stream = makeStream({
      rto: { mode: 'adaptive', initialMs: 1000, minMs: 10, maxMs: 60_000 },
      // the tail probe would come first
      timeLossDetection: false,
    });
    stream.send(bytes(1), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 1), 100);
    expect(stream.smoothedRtt).toBe(100);
    stream.send(bytes(2), 100);
    stream.drain();
    // srtt 100, rttvar 50 → rto = 100 + 4·50 = 300
    expect(stream.nextDeadline()).toBe(400);
  });

  it('keeps separate deadlines so one frame retrying never starves later ones', () => {
    const stream = makeStream({ rto: fixed(500) });
    stream.send(bytes(1), 0);
    stream.drain();
    stream.send(bytes(2), 200);
    stream.drain();
    stream.tick(500);
    expect(dataSeqs(stream.drain().frames)).toEqual([1]);
    stream.tick(700);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    stream.tick(1000);
    expect(dataSeqs(stream.drain().frames)).toEqual([1]);
  });

  it('fast-retransmits a hole once three later frames are selectively acked, before any timeout', () => {
    const stream = makeStream({ rto: fixed(500) });
    for (let i = 1; i <= 5; i += 1) stream.send(bytes(i), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 0, 0b110), 20);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    stream.receive(ackFrame('s-1', 0, 0b1110), 21);
    expect(dataSeqs(stream.drain().frames)).toEqual([1]);
    // the retransmission is not repeated by later acks carrying the same hole
    stream.receive(ackFrame('s-1', 0, 0b11110), 22);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
  });
});
