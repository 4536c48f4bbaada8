import { describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_CONFIG, resolveStreamConfig, type StreamConfig } from '../../endpoint/core/config.ts';
import type { ReliableStream } from '../../endpoint/index.ts';
import { ackFrame, bytes, dataSeqs, makeStream } from './helpers.ts';

const adaptive = { mode: 'adaptive' as const, initialMs: 1000, minMs: 10, maxMs: 60_000 };

/** A stream whose first frame was acked after 100 ms: in adaptive mode srtt 100, rttvar 50, RTO 300. */
function measuredStream(overrides: Partial<StreamConfig> = {}): ReliableStream {
  const stream = makeStream({ rto: adaptive, ...overrides });
  stream.send(bytes(1), 0);
  stream.drain();
  stream.receive(ackFrame('s-1', 1), 100);
  stream.drain();
  return stream;
}

function sendSeqs(stream: ReliableStream, count: number, now: number): void {
  for (let i = 0; i < count; i += 1) stream.send(bytes(i + 1), now);
  stream.drain();
}

describe('time-based loss detection', () => {
  it('resends a hole as soon as a frame sent after it is acked, with fewer than three frames behind it', () => {
    const stream = measuredStream();
    sendSeqs(stream, 4, 100); // seqs 2..5
    stream.receive(ackFrame('s-1', 1, 0b10), 200); // seq 3 only
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    expect(stream.stats.fastRetransmissions).toBe(1);
    expect(stream.stats.timeoutRetransmissions).toBe(0);
  });

  it('resends a lost retransmission once a frame transmitted after it is acked', () => {
    const stream = measuredStream();
    sendSeqs(stream, 2, 100); // seqs 2, 3
    stream.receive(ackFrame('s-1', 1, 0b10), 200);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    sendSeqs(stream, 1, 210); // seq 4, transmitted after the resend of 2
    stream.receive(ackFrame('s-1', 1, 0b110), 310); // 4 arrived, the resend of 2 did not
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    expect(stream.stats.timeoutRetransmissions).toBe(0);
  });

  it('allows a quarter of the smoothed RTT for reordering once the path has reordered', () => {
    const stream = measuredStream();
    sendSeqs(stream, 2, 100); // seqs 2, 3
    stream.receive(ackFrame('s-1', 1, 0b10), 200);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    // the original of 2 was only overtaken: its ack comes far sooner than a round trip after the resend
    stream.receive(ackFrame('s-1', 3), 201);
    sendSeqs(stream, 2, 210); // seqs 4, 5
    stream.receive(ackFrame('s-1', 3, 0b10), 310); // seq 5 only
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    // srtt is still 100, so seq 4 is overdue at 210 + 100 + 25
    expect(stream.nextDeadline()).toBe(335);
    stream.tick(334);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    stream.tick(335);
    expect(dataSeqs(stream.drain().frames)).toEqual([4]);
  });

  it('leaves the fixed mode to the hole-passing count and its 500 ms timer', () => {
    const stream = measuredStream({ rto: { mode: 'fixed', ms: 500 } });
    sendSeqs(stream, 2, 100);
    stream.receive(ackFrame('s-1', 1, 0b10), 200);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    expect(stream.nextDeadline()).toBe(600);
    stream.tick(600);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
  });
});

describe('tail-loss probe', () => {
  it('probes the tail with the newest unacked frame after two smoothed round trips', () => {
    const stream = measuredStream();
    sendSeqs(stream, 3, 100); // seqs 2..4, RTO due at 400
    // two round trips plus the peer's ack delay
    expect(stream.nextDeadline()).toBe(100 + 200 + DEFAULT_STREAM_CONFIG.ackDelayMs);
    stream.tick(304);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    stream.tick(305);
    expect(dataSeqs(stream.drain().frames)).toEqual([4]);
    expect(stream.stats.probeRetransmissions).toBe(1);
  });

  it('finds the holes behind the probe from the ack the probe draws out, before any RTO', () => {
    const stream = measuredStream();
    sendSeqs(stream, 3, 100);
    stream.tick(305);
    stream.drain();
    stream.receive(ackFrame('s-1', 1, 0b100), 395); // only the probed seq 4 arrived
    expect(dataSeqs(stream.drain().frames)).toEqual([2, 3]);
    expect(stream.stats.timeoutRetransmissions).toBe(0);
  });

  it('probes once per stall and does not back off the RTO for it', () => {
    const stream = measuredStream();
    sendSeqs(stream, 1, 100); // seq 2, RTO 300
    stream.tick(305);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    // no second probe: the next event is the probe's own RTO, 300 ms after it, not doubled
    expect(stream.nextDeadline()).toBe(605);
    stream.tick(605);
    expect(dataSeqs(stream.drain().frames)).toEqual([2]);
    expect(stream.stats.probeRetransmissions).toBe(1);
    expect(stream.stats.timeoutRetransmissions).toBe(1);
  });

  it('never probes before an RTT has been measured', () => {
    const stream = makeStream({ rto: adaptive });
    sendSeqs(stream, 2, 0);
    expect(stream.nextDeadline()).toBe(1000);
  });

  it('can be switched off, leaving recovery to the hole-passing count and the RTO', () => {
    const stream = measuredStream({ timeLossDetection: false });
    sendSeqs(stream, 2, 100);
    stream.receive(ackFrame('s-1', 1, 0b10), 200);
    expect(dataSeqs(stream.drain().frames)).toEqual([]);
    expect(stream.stats.probeRetransmissions).toBe(0);
  });
});

describe('default retransmission timing', () => {
  it('lets the adaptive RTO fall to 20 ms on a fast path', () => {
    expect(resolveStreamConfig().rto).toEqual({
      mode: 'adaptive',
      initialMs: 1000,
      minMs: 20,
      maxMs: 30_000,
    });
    const stream = makeStream();
    for (let i = 0; i < 40; i += 1) {
      stream.send(bytes(1), i * 2);
      stream.drain();
      stream.receive(ackFrame('s-1', i + 1), i * 2 + 1);
    }
    stream.send(bytes(1), 100);
    stream.drain();
    // srtt 1 ms: the probe comes at 2·srtt + ack delay, then the RTO at the 20 ms floor
    expect(stream.nextDeadline()).toBe(107);
    stream.tick(107);
    expect(dataSeqs(stream.drain().frames)).toEqual([41]);
    expect(stream.nextDeadline()).toBe(127);
  });
});

describe('an ack that freed frames the peer never got', () => {
  function withAckedTail(): ReliableStream {
    const stream = makeStream({ heartbeatMs: 1000 });
    for (const m of [bytes(1), bytes(2), bytes(3)]) stream.send(m, 0);
    stream.drain();
    // A damaged or forged header acks seq 2, although the peer only has seq 1.
    stream.receive(ackFrame('s-1', 2), 10);
    return stream;
  }

  it('resets the stream with protocol_error:ack_regressed once every header has acked less for a heartbeat interval', () => {
    const stream = withAckedTail();
    stream.receive(ackFrame('s-1', 1), 20);
    stream.receive(ackFrame('s-1', 1), 500);
    expect(stream.state).toBe('open');
    stream.receive(ackFrame('s-1', 1), 1020);
    expect(stream.reason).toBe('protocol_error:ack_regressed');
  });

  it('takes an old header overtaken on the way in its stride', () => {
    const stream = withAckedTail();
    stream.receive(ackFrame('s-1', 1), 20);
    stream.receive(ackFrame('s-1', 3), 30);
    stream.receive(ackFrame('s-1', 1), 2000);
    stream.receive(ackFrame('s-1', 3), 2010);
    expect(stream.state).toBe('open');
  });

  it('also counts a selectively acked frame that a later header no longer acks', () => {
    const stream = makeStream({ heartbeatMs: 1000 });
    for (const m of [bytes(1), bytes(2), bytes(3)]) stream.send(m, 0);
    stream.drain();
    stream.receive(ackFrame('s-1', 0, 0b100), 10);
    stream.receive(ackFrame('s-1', 1), 20);
    stream.receive(ackFrame('s-1', 1), 1100);
    expect(stream.reason).toBe('protocol_error:ack_regressed');
  });
});
