import { describe, expect, it } from 'vitest';
import { resolveStreamConfig, type StreamConfig } from '../../endpoint/core/config.ts';
import { emptyStreamStats } from '../../endpoint/core/events.ts';
import { ReassemblyBudget } from '../../endpoint/core/reassembly-budget.ts';
import { Receiver } from '../../endpoint/core/receiver.ts';
import type { RelayDataBody } from '../../proto/codec/index.ts';
import { bytes } from './helpers.ts';

function body(seq: number, payload = bytes(seq), segmentIndex = 0, segmentCount = 1): RelayDataBody {
  return { seq, segmentIndex, segmentCount, payload };
}

function receiver(overrides: Partial<StreamConfig> = {}) {
  const delivered: Uint8Array[] = [];
  const stats = emptyStreamStats();
  const config = resolveStreamConfig({ ackDelayMs: 5, ackEveryFrames: 2, ...overrides });
  return {
    receiver: new Receiver(config, stats, new ReassemblyBudget(), (m) => delivered.push(m)),
    delivered,
    stats,
  };
}

describe('receive path: delivery', () => {
  it('delivers in-order frames through its callback and advances the ack state', () => {
    const { receiver: r, delivered, stats } = receiver();
    expect(r.receive(body(1), 0)).toBeUndefined();
    expect(r.receive(body(2), 0)).toBeUndefined();
    expect(delivered).toEqual([bytes(1), bytes(2)]);
    expect(stats.messagesDelivered).toBe(2);
    expect([r.ack, r.ackBits, r.highest]).toEqual([2, 0, 2]);
  });

  it('holds frames past a hole and delivers them in order once the hole fills, freeing their bytes', () => {
    const { receiver: r, delivered } = receiver();
    r.receive(body(3), 0);
    r.receive(body(2), 0);
    expect(delivered).toEqual([]);
    expect(r.reorderBytes).toBe(2);
    expect([r.ack, r.ackBits, r.highest]).toEqual([0, 0b110, 3]);
    r.receive(body(1), 0);
    expect(delivered).toEqual([bytes(1), bytes(2), bytes(3)]);
    expect(r.reorderBytes).toBe(0);
  });

  it('reassembles a segmented message from frames joined by the hole filling', () => {
    const { receiver: r, delivered } = receiver();
    r.receive(body(2, bytes(3, 4), 1, 2), 0);
    r.receive(body(1, bytes(1, 2), 0, 2), 0);
    expect(delivered).toEqual([bytes(1, 2, 3, 4)]);
  });

  it('counts a duplicate and delivers nothing for it', () => {
    const { receiver: r, delivered, stats } = receiver();
    r.receive(body(1), 0);
    r.receive(body(1, bytes(99)), 0);
    expect(delivered).toEqual([bytes(1)]);
    expect(stats.duplicatesReceived).toBe(1);
  });

  it('returns the protocol error of a bad frame instead of acting on it', () => {
    expect(receiver().receiver.receive(body(33), 0)).toBe('seq_beyond_window');
    expect(receiver().receiver.receive(body(1, bytes(1), 1, 2), 0)).toBe('bad_segment');
    const small = receiver({ windowBytes: 100, segmentBytes: 50 }).receiver;
    expect(small.receive(body(2, new Uint8Array(60)), 0)).toBeUndefined();
    expect(small.receive(body(3, new Uint8Array(60)), 0)).toBe('receive_buffer_overflow');
    expect(small.reorderBytes).toBe(60);
  });

  it('forgets held frames and the owed ack on clear', () => {
    const { receiver: r } = receiver();
    r.receive(body(2), 0);
    r.clear();
    expect(r.reorderBytes).toBe(0);
    expect(r.ackDeadline).toBeUndefined();
  });
});

describe('receive path: ack scheduling', () => {
  it('owes an ack within ackDelayMs after one in-order frame', () => {
    const { receiver: r } = receiver();
    r.receive(body(1), 100);
    expect(r.ackDeadline).toBe(105);
  });

  it('owes the ack at once after ackEveryFrames frames', () => {
    const { receiver: r } = receiver();
    r.receive(body(1), 100);
    r.receive(body(2), 101);
    expect(r.ackDeadline).toBe(101);
  });

  it('owes the ack at once for a duplicate, a frame past a hole and a frame filling a hole', () => {
    const duplicate = receiver({ ackEveryFrames: 10 }).receiver;
    duplicate.receive(body(1), 0);
    duplicate.ackSent();
    duplicate.receive(body(1), 50);
    expect(duplicate.ackDeadline).toBe(50);

    const pastHole = receiver({ ackEveryFrames: 10 }).receiver;
    pastHole.receive(body(2), 50);
    expect(pastHole.ackDeadline).toBe(50);

    const fillingHole = receiver({ ackEveryFrames: 10 }).receiver;
    fillingHole.receive(body(2), 0);
    fillingHole.ackSent();
    fillingHole.receive(body(1), 50);
    expect(fillingHole.ackDeadline).toBe(50);
  });

  it('owes nothing once its ack state went out, and counts frames afresh', () => {
    const { receiver: r } = receiver();
    r.receive(body(1), 100);
    r.ackSent();
    expect(r.ackDeadline).toBeUndefined();
    r.receive(body(2), 200);
    expect(r.ackDeadline).toBe(205);
  });
});

describe('receive path: pause', () => {
  it('refuses new frames while paused, neither holding nor acking them', () => {
    const { receiver: r, delivered, stats } = receiver();
    r.pause();
    expect(r.receive(body(1), 0)).toBeUndefined();
    expect(r.receive(body(3), 0)).toBeUndefined();
    expect(delivered).toEqual([]);
    expect([r.ack, r.ackBits, r.reorderBytes]).toEqual([0, 0, 0]);
    expect(r.ackDeadline).toBeUndefined();
    expect(stats.refusedWhilePaused).toBe(2);
  });

  it('still re-acks a duplicate while paused', () => {
    const { receiver: r, stats } = receiver();
    r.receive(body(1), 0);
    r.ackSent();
    r.pause();
    r.receive(body(1), 10);
    expect(r.ackDeadline).toBe(10);
    expect(stats.duplicatesReceived).toBe(1);
  });

  it('reports on un-pausing whether anything was refused during the pause, once', () => {
    const { receiver: r } = receiver();
    r.pause();
    r.receive(body(1), 0);
    expect(r.unpause()).toBe(true);
    expect(r.paused).toBe(false);
    r.pause();
    expect(r.unpause()).toBe(false);
  });
});
