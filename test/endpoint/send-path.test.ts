import { describe, expect, it } from 'vitest';
import { resolveStreamConfig, type StreamConfig } from '../../endpoint/core/config.ts';
import { emptyStreamStats } from '../../endpoint/core/events.ts';
import { Sender } from '../../endpoint/core/sender.ts';
import { MessageTooLargeError } from '../../endpoint/index.ts';
import { encodeFrame, type RelayFrameBody } from '../../proto/codec/index.ts';
import { bytes, dataSeqs } from './helpers.ts';

/** A sender on a fake wire: `encoded` counts the headers the stream would fill in, `written` is the wire. */
function sender(overrides: Partial<StreamConfig> = {}) {
  const bodies: RelayFrameBody[] = [];
  const written: Uint8Array[] = [];
  const writtenAt: number[] = [];
  const stats = emptyStreamStats();
  const s = new Sender(resolveStreamConfig({ rto: { mode: 'fixed', ms: 500 }, ...overrides }), stats, {
    encode: (body) => {
      bodies.push(body);
      return encodeFrame({ version: 1, streamId: 's-1', ack: 0, ackBits: 0, body });
    },
    write: (frame, now) => {
      written.push(frame);
      writtenAt.push(now);
    },
  });
  return { sender: s, bodies, written, writtenAt, stats };
}

describe('send path: cutting and transmitting', () => {
  it('cuts a queued message into segments under the header the wire encodes, writing each at once while the link is up', () => {
    const { sender: s, bodies, written, stats } = sender({ segmentBytes: 4 });
    s.queue(new Uint8Array(10).fill(1));
    expect(s.pump(0, true)).toBe(true);
    expect(
      bodies.map((b) => (b.case === 'data' ? [b.value.seq, b.value.segmentIndex, b.value.segmentCount] : [])),
    ).toEqual([
      [1, 0, 3],
      [2, 1, 3],
      [3, 2, 3],
    ]);
    expect(dataSeqs(written)).toEqual([1, 2, 3]);
    expect([s.inFlightFrames, s.inFlightBytes, s.nextSeq, s.highestSent, s.transmissions]).toEqual([
      3, 10, 4, 3, 3,
    ]);
    expect(stats.dataFramesCut).toBe(3);
    expect(stats.dataTransmissions).toBe(3);
  });

  it('cuts frames while the link is down but writes nothing until it is restored', () => {
    const { sender: s, written } = sender();
    s.queue(bytes(1));
    s.queue(bytes(2));
    s.pump(0, false);
    expect(written).toEqual([]);
    expect([s.inFlightFrames, s.highestSent, s.nextDeadline()]).toEqual([2, 0, undefined]);
    s.linkRestored(10, true);
    expect(dataSeqs(written)).toEqual([1, 2]);
  });

  it('stops taking messages into the window when it is full', () => {
    const { sender: s } = sender({ windowFrames: 2 });
    s.queue(bytes(1));
    s.queue(bytes(2));
    s.pump(0, true);
    expect(s.writable).toBe(false);
    s.queue(bytes(3));
    s.pump(0, true);
    expect(s.inFlightFrames).toBe(2);
  });

  it('reports that the seq space is used up instead of cutting the frame', () => {
    const { sender: s, bodies } = sender({ seqLimit: 3 });
    for (let i = 1; i <= 3; i += 1) s.queue(bytes(i));
    expect(s.pump(0, true)).toBe(false);
    expect(bodies).toHaveLength(2);
    expect(s.nextSeq).toBe(3);
  });

  it('refuses an oversized or empty message when it is queued', () => {
    const { sender: s } = sender({ maxMessageBytes: 10 });
    expect(() => s.queue(new Uint8Array(11))).toThrow(MessageTooLargeError);
    expect(() => s.queue(new Uint8Array(0))).toThrow(RangeError);
    expect(s.writable).toBe(true);
  });
});

describe('send path: acks', () => {
  it('reports progress only for an ack that covers frames for the first time, and samples the round trip', () => {
    const { sender: s } = sender({ rto: { mode: 'adaptive', initialMs: 1000, minMs: 10, maxMs: 60_000 } });
    s.queue(bytes(1));
    s.pump(0, true);
    expect(s.applyAck(1, 0, 100)).toEqual({ ok: true, progressed: true });
    expect(s.applyAck(1, 0, 120)).toEqual({ ok: true, progressed: false });
    expect(s.smoothedRtt).toBe(100);
    expect([s.inFlightFrames, s.cachedBytes]).toEqual([0, 0]);
  });

  it('returns the protocol error of an ack beyond what was sent without freeing anything', () => {
    const { sender: s } = sender();
    s.queue(bytes(1));
    s.pump(0, true);
    expect(s.applyAck(2, 0, 10)).toEqual({ ok: false, error: 'ack_beyond_sent' });
    expect(s.applyAck(0, 0b1, 10)).toEqual({ ok: false, error: 'ack_bit0_set' });
    expect(s.inFlightFrames).toBe(1);
  });
});

describe('send path: retransmission', () => {
  it('resends a frame byte for byte when its RTO falls due, and only then', () => {
    const { sender: s, written, stats } = sender();
    s.queue(bytes(1));
    s.pump(0, true);
    expect(s.nextDeadline()).toBe(500);
    s.tick(499);
    expect(written).toHaveLength(1);
    s.tick(500);
    expect(written).toHaveLength(2);
    expect(written[1]).toEqual(written[0]);
    expect(stats.timeoutRetransmissions).toBe(1);
  });

  it('resends only the frames last sent at or before a given transmission', () => {
    const { sender: s, written, stats } = sender();
    s.queue(bytes(1));
    s.queue(bytes(2));
    s.pump(0, true);
    s.resendUnacked(10, 1);
    expect(dataSeqs(written.slice(2))).toEqual([1]);
    expect(stats.resumeRetransmissions).toBe(1);
  });

  it('after a resume, leaves frames already transmitted to wait for the peer ack state, their RTO disarmed', () => {
    const { sender: s, written } = sender();
    s.queue(bytes(1));
    s.pump(0, true);
    s.linkRestored(50, true);
    expect(written).toHaveLength(1);
    expect(s.nextDeadline()).toBeUndefined();
  });

  it('without a resume, resends every unacked frame when the link is restored', () => {
    const { sender: s, written, writtenAt } = sender();
    s.queue(bytes(1));
    s.queue(bytes(2));
    s.pump(0, true);
    s.linkRestored(50, false);
    expect(dataSeqs(written)).toEqual([1, 2, 1, 2]);
    expect(writtenAt.slice(2)).toEqual([50, 50]);
  });

  it('backs its RTO off on request, up to the maximum', () => {
    const { sender: s } = sender({ rto: { mode: 'adaptive', initialMs: 1000, minMs: 10, maxMs: 3000 } });
    expect(s.rto).toBe(1000);
    s.backOff();
    expect(s.rto).toBe(2000);
    s.backOff();
    expect(s.rto).toBe(3000);
  });

  it('forgets every frame and deadline on clear', () => {
    const { sender: s } = sender();
    s.queue(bytes(1));
    s.pump(0, true);
    s.clear();
    expect([s.inFlightFrames, s.inFlightBytes, s.cachedBytes, s.nextDeadline()]).toEqual([
      0,
      0,
      0,
      undefined,
    ]);
  });
});
