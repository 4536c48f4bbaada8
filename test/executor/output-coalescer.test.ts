import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { OutputCoalescer } from '../../executor/process/output-coalescer.ts';
import type { OutputStream } from '../../proto/rpc/index.ts';

const KiB = 1024;

function collector() {
  const out: { stream: OutputStream; data: Buffer }[] = [];
  const coalescer = new OutputCoalescer(1024 * KiB, (stream, data) => out.push({ stream, data }));
  return { out, coalescer };
}

describe('OutputCoalescer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('passes a short read on at once', () => {
    const { out, coalescer } = collector();
    coalescer.push('stdout', Buffer.from('hello'));
    expect(out).toEqual([{ stream: 'stdout', data: Buffer.from('hello') }]);
  });

  it('gathers the full reads of a burst into one chunk, in order, and lets it go after a moment', () => {
    const { out, coalescer } = collector();
    const reads = [0, 1, 2].map((i) => Buffer.alloc(64 * KiB, i));
    for (const read of reads) coalescer.push('stdout', read);
    expect(out).toHaveLength(0);
    vi.advanceTimersByTime(5);
    expect(out).toHaveLength(1);
    expect(out[0]?.data.equals(Buffer.concat(reads))).toBe(true);
  });

  it('lets a burst go with the short read that ends it', () => {
    const { out, coalescer } = collector();
    coalescer.push('stdout', Buffer.alloc(64 * KiB, 1));
    coalescer.push('stdout', Buffer.from('end'));
    expect(out).toHaveLength(1);
    expect(out[0]?.data.length).toBe(64 * KiB + 3);
  });

  it('never makes a chunk larger than 512 KiB', () => {
    const { out, coalescer } = collector();
    for (let i = 0; i < 20; i++) coalescer.push('stdout', Buffer.alloc(64 * KiB, i));
    coalescer.flush();
    expect(out.map((o) => o.data.length)).toEqual([512 * KiB, 512 * KiB, 256 * KiB]);
    expect(
      Buffer.concat(out.map((o) => o.data)).equals(
        Buffer.concat([...Array(20).keys()].map((i) => Buffer.alloc(64 * KiB, i))),
      ),
    ).toBe(true);
  });

  it('keeps a chunk within half the output the process retains', () => {
    const out: Buffer[] = [];
    const coalescer = new OutputCoalescer(256 * KiB, (_, data) => out.push(data));
    for (let i = 0; i < 8; i++) coalescer.push('stdout', Buffer.alloc(64 * KiB, i));
    coalescer.flush();
    expect(out.map((d) => d.length)).toEqual([128 * KiB, 128 * KiB, 128 * KiB, 128 * KiB]);
  });

  it('keeps the streams apart and in order', () => {
    const { out, coalescer } = collector();
    coalescer.push('stdout', Buffer.alloc(64 * KiB, 1));
    coalescer.push('stderr', Buffer.alloc(64 * KiB, 2));
    coalescer.flush();
    expect(out.map((o) => [o.stream, o.data[0]])).toEqual([
      ['stdout', 1],
      ['stderr', 2],
    ]);
  });

  it('holds nothing once flushed, as before an exit', () => {
    const { out, coalescer } = collector();
    coalescer.push('pty', Buffer.alloc(40 * KiB, 1));
    coalescer.flush();
    coalescer.flush();
    vi.advanceTimersByTime(5);
    expect(out).toHaveLength(1);
  });
});
