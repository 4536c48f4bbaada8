import { describe, expect, it } from 'vitest';
import { endpointMetricValues } from '../../endpoint/index.ts';
import { MuxDriver } from '../../endpoint/live/mux-driver.ts';
import { ManualClock } from './manual-clock.ts';

/** A harness-side and an executor-side driver joined by an in-memory link that can go down. */
function pair() {
  const clock = new ManualClock();
  const harness = new MuxDriver({ accept: false, clock, stream: { windowFrames: 2 } });
  const executor = new MuxDriver({ accept: true, clock });
  const toExecutor: Uint8Array[] = [];
  const toHarness: Uint8Array[] = [];
  const pump = () => {
    while (toExecutor.length + toHarness.length > 0) {
      for (const frame of toExecutor.splice(0)) executor.receive(frame);
      for (const frame of toHarness.splice(0)) harness.receive(frame);
    }
  };
  const settle = () => {
    for (let i = 0; i < 20; i++) {
      pump();
      clock.advance(10);
    }
    pump();
  };
  harness.linkUp((frame) => toExecutor.push(frame));
  executor.linkUp((frame) => toHarness.push(frame));
  return { clock, harness, executor, toExecutor, settle };
}

describe('endpoint stats', () => {
  it('count the frames and bytes each way, identically on both ends of a lossless link', () => {
    const { harness, executor, settle } = pair();
    const stream = harness.openStream('s-1');
    for (let i = 0; i < 5; i++) stream.send(new Uint8Array(100).fill(i));
    settle();
    const sent = harness.stats();
    const received = executor.stats();
    expect(sent.framesSent).toBeGreaterThanOrEqual(5);
    expect(sent.framesSent).toBe(received.framesReceived);
    expect(sent.bytesSent).toBe(received.bytesReceived);
    expect(received.framesSent).toBe(sent.framesReceived);
    expect(sent.streams.dataFramesCut).toBe(5);
    expect(received.streams.messagesDelivered).toBe(5);
    expect([sent.streamsOpen, sent.streamsOpened, received.streamsOpen, received.streamsOpened]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(sent.linkUp).toBe(true);
    expect(sent.timings).toHaveLength(1);
  });

  it('measure how long a full send window held a stream back', () => {
    const { clock, harness, toExecutor, settle } = pair();
    const stream = harness.openStream('s-1');
    expect(stream.send(new Uint8Array([1]))).toBe(true);
    expect(stream.send(new Uint8Array([2]))).toBe(false);
    toExecutor.length = 0; // both frames lost: the stream stays unwritable until they are resent and acked
    clock.advance(250);
    expect(harness.stats().unwritableSeconds).toBe(0.25);
    clock.advance(1000); // the retransmission timeout resends both
    settle();
    const after = harness.stats().unwritableSeconds;
    expect(after).toBeGreaterThanOrEqual(1.25);
    expect(harness.stats().streams.timeoutRetransmissions).toBe(2);
    expect(stream.writable).toBe(true);
    clock.advance(1000);
    expect(harness.stats().unwritableSeconds).toBe(after);
  });

  it('count reconnects, the streams resumed on them and resets by reason, ended streams included', () => {
    const { harness, executor, toExecutor, settle } = pair();
    harness.openStream('s-1').send(new Uint8Array([1]));
    harness.openStream('s-2').send(new Uint8Array([2]));
    settle();
    harness.linkDown();
    expect(harness.stats().linkUp).toBe(false);
    harness.linkUp((frame) => toExecutor.push(frame));
    settle();
    harness.reset('s-1', 'closed');
    settle();
    const stats = harness.stats();
    expect([stats.reconnects, stats.streamResumes]).toEqual([1, 2]);
    expect(stats.resets).toEqual({ closed: 1 });
    expect(executor.stats().resets).toEqual({ closed: 1 });
    expect([stats.streamsOpen, stats.streamsOpened]).toEqual([1, 2]);
    expect(stats.streams.dataFramesCut).toBe(2);
    const metrics = endpointMetricValues(stats);
    expect(metrics.relaykit_relay_reconnects_total).toBe(1);
    expect(metrics.relaykit_stream_resets_total).toEqual({ closed: 1 });
    expect(metrics.relaykit_streams_open).toBe(1);
  });
});
