import { describe, expect, it } from 'vitest';
import { AckState } from '../../endpoint/core/ack-state.ts';
import { ackFrame, bytes, data, decodeAll, makeStream } from './helpers.ts';

function stateAfter(seqs: number[]): { ack: number; bits: number } {
  const s = new AckState();
  for (const seq of seqs) if (s.classify(seq) === 'new') s.record(seq);
  return { ack: s.ack, bits: s.bits };
}

describe('ack state (the worked examples of DESIGN.md §3)', () => {
  it('acks nothing contiguously but marks bit 1 after receiving only seq 2', () => {
    expect(stateAfter([2])).toEqual({ ack: 0, bits: 0b10 });
  });

  it('marks bits 1 and 3 after receiving 2 and 4', () => {
    expect(stateAfter([2, 4])).toEqual({ ack: 0, bits: 0b1010 });
  });

  it('advances to ack 2 with bit 1 set once seq 1 arrives after 2 and 4', () => {
    expect(stateAfter([2, 4, 1])).toEqual({ ack: 2, bits: 0b10 });
  });

  it('advances to ack 4 with no bits once seq 3 fills the last hole', () => {
    expect(stateAfter([2, 4, 1, 3])).toEqual({ ack: 4, bits: 0 });
  });

  it('reports ack 0 and bits 0xFFFFFFFE for a full window behind one gap', () => {
    const seqs = Array.from({ length: 31 }, (_, i) => i + 2);
    expect(stateAfter(seqs)).toEqual({ ack: 0, bits: 0xfffffffe });
  });

  it('classifies seqs at or below the ack and marked seqs as duplicates, and seq ack+33 as beyond the window', () => {
    const s = new AckState();
    s.record(1);
    s.record(3);
    expect(s.classify(1)).toBe('duplicate');
    expect(s.classify(3)).toBe('duplicate');
    expect(s.classify(2)).toBe('new');
    expect(s.classify(33)).toBe('new');
    expect(s.classify(34)).toBe('beyond_window');
  });
});

describe('ack headers a stream puts on the wire', () => {
  it('sends the worked-example ack states in its standalone acks', () => {
    const stream = makeStream({ ackDelayMs: 5 });
    const seen: Array<[number, number]> = [];
    let now = 0;
    for (const seq of [2, 4, 1, 3]) {
      stream.receive(data('s-1', seq, bytes(seq)), now);
      now += 5;
      stream.tick(now);
      const acks = decodeAll(stream.drain().frames).filter((f) => f.body.case === 'ackFrame');
      expect(acks).toHaveLength(1);
      seen.push([acks[0]?.ack ?? -1, acks[0]?.ackBits ?? -1]);
    }
    expect(seen).toEqual([
      [0, 0b10],
      [0, 0b1010],
      [2, 0b10],
      [4, 0],
    ]);
  });

  it('coalesces acks for frames arriving within the ack delay into one ack_frame', () => {
    const stream = makeStream({ ackDelayMs: 5, ackEveryFrames: 8 });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.receive(data('s-1', 2, bytes(2)), 1);
    stream.receive(data('s-1', 3, bytes(3)), 2);
    expect(stream.nextDeadline()).toBe(5);
    stream.tick(4);
    expect(stream.drain().frames).toHaveLength(0);
    stream.tick(5);
    const frames = decodeAll(stream.drain().frames);
    expect(frames.map((f) => [f.body.case, f.ack])).toEqual([['ackFrame', 3]]);
  });

  it('makes the ack due at once after ackEveryFrames data frames', () => {
    const stream = makeStream({ ackDelayMs: 5, ackEveryFrames: 2 });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    expect(stream.nextDeadline()).toBe(5);
    stream.receive(data('s-1', 2, bytes(2)), 1);
    expect(stream.nextDeadline()).toBe(1);
    stream.tick(1);
    expect(decodeAll(stream.drain().frames).map((f) => [f.body.case, f.ack])).toEqual([['ackFrame', 2]]);
  });

  it('makes the ack due at once for a frame past a hole, one filling a hole, and a duplicate', () => {
    const stream = makeStream({ ackDelayMs: 5, ackEveryFrames: 8 });
    const dueAfter = (seq: number, now: number): number | undefined => {
      stream.receive(data('s-1', seq, bytes(seq)), now);
      const due = stream.nextDeadline();
      stream.tick(now);
      stream.drain();
      return due;
    };
    expect(dueAfter(1, 0)).toBe(5);
    stream.tick(5);
    stream.drain();
    expect(dueAfter(3, 10)).toBe(10);
    expect(dueAfter(2, 20)).toBe(20);
    expect(dueAfter(2, 30)).toBe(30);
    expect(dueAfter(4, 40)).toBe(45);
  });

  it('lets the ack ride on an outgoing data frame instead of a standalone ack', () => {
    const stream = makeStream({ ackDelayMs: 5 });
    stream.receive(data('s-1', 1, bytes(1)), 0);
    stream.send(bytes(9), 1);
    stream.tick(10);
    const frames = decodeAll(stream.drain().frames);
    expect(frames.map((f) => [f.body.case, f.ack])).toEqual([['data', 1]]);
  });

  it('re-acks a duplicate and delivers it only once', () => {
    const stream = makeStream({ ackDelayMs: 5 });
    stream.receive(data('s-1', 1, bytes(7)), 0);
    stream.tick(5);
    const first = stream.drain();
    expect(first.messages).toEqual([bytes(7)]);
    stream.receive(data('s-1', 1, bytes(8)), 6);
    stream.tick(11);
    const second = stream.drain();
    expect(second.messages).toEqual([]);
    expect(decodeAll(second.frames).map((f) => [f.body.case, f.ack])).toEqual([['ackFrame', 1]]);
  });

  it('never answers an ack_frame with an ack', () => {
    const stream = makeStream();
    stream.send(bytes(1), 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 1), 10);
    stream.tick(100);
    expect(stream.drain().frames).toHaveLength(0);
  });
});
