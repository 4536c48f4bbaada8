import { describe, expect, it } from 'vitest';
import { OutputBacklog } from '../../harness/output-backlog.ts';
import { OutputQueue } from '../../harness/output-queue.ts';

function queueOn(backlog: OutputBacklog): OutputQueue<Uint8Array> {
  return new OutputQueue<Uint8Array>({ counter: backlog, sizeOf: (item) => item.length });
}

describe('output backlog', () => {
  it('asks for a pause above the high watermark and a resume at the low watermark, once each', () => {
    const backlog = new OutputBacklog({ highWaterBytes: 100, lowWaterBytes: 20 });
    const changes: boolean[] = [];
    backlog.onPausedChange((paused) => changes.push(paused));
    backlog.add(100);
    expect(backlog.paused).toBe(false);
    backlog.add(1);
    backlog.add(50);
    expect(changes).toEqual([true]);
    backlog.release(130);
    expect(backlog.paused).toBe(true);
    backlog.release(1);
    expect(changes).toEqual([true, false]);
    expect(backlog.queuedBytes).toBe(20);
    expect(backlog.peakQueuedBytes).toBe(151);
  });

  it('rejects watermarks that cannot work', () => {
    expect(() => new OutputBacklog({ highWaterBytes: 0 })).toThrow(RangeError);
    expect(() => new OutputBacklog({ highWaterBytes: 10, lowWaterBytes: 10 })).toThrow(RangeError);
    expect(new OutputBacklog({ highWaterBytes: 1024 }).lowWaterBytes).toBe(256);
  });
});

describe('output queue', () => {
  it('yields every item in order and releases its bytes as the consumer takes it', async () => {
    const backlog = new OutputBacklog({ highWaterBytes: 1000, lowWaterBytes: 10 });
    const queue = queueOn(backlog);
    const items = Array.from({ length: 5000 }, (_, i) => new Uint8Array((i % 7) + 1).fill(i & 0xff));
    const total = items.reduce((sum, item) => sum + item.length, 0);
    for (const item of items) queue.push(item);
    queue.end();
    expect(backlog.queuedBytes).toBe(total);
    expect(backlog.paused).toBe(true);
    const got: Uint8Array[] = [];
    for await (const item of queue) got.push(item);
    expect(got).toEqual(items);
    expect(backlog.queuedBytes).toBe(0);
    expect(backlog.paused).toBe(false);
  });

  it('releases what is left when the consumer stops early, and drops later items', async () => {
    const backlog = new OutputBacklog({ highWaterBytes: 1000, lowWaterBytes: 10 });
    const queue = queueOn(backlog);
    for (let i = 0; i < 10; i += 1) queue.push(new Uint8Array(200));
    expect(backlog.paused).toBe(true);
    for await (const _ of queue) break;
    expect(backlog.queuedBytes).toBe(0);
    expect(backlog.paused).toBe(false);
    queue.push(new Uint8Array(5000));
    expect(backlog.queuedBytes).toBe(0);
  });

  it('throws the end error after the items already queued', async () => {
    const queue = queueOn(new OutputBacklog());
    queue.push(new Uint8Array([1]));
    queue.end(new Error('gone'));
    const got: Uint8Array[] = [];
    await expect(
      (async () => {
        for await (const item of queue) got.push(item);
      })(),
    ).rejects.toThrow('gone');
    expect(got).toEqual([new Uint8Array([1])]);
  });
});
