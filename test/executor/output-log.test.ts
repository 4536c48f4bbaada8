import { describe, expect, it } from 'vitest';
import { EvictedOutputError, OutputLog } from '../../executor/process/output-log.ts';

const bytes = (n: number) => Buffer.alloc(n, 120);

describe('OutputLog', () => {
  it('numbers output, exited and closed from one counter starting at 1', () => {
    const log = new OutputLog(1024);
    expect(log.appendOutput('stdout', bytes(1)).seq).toBe(1);
    expect(log.appendOutput('stderr', bytes(1)).seq).toBe(2);
    expect(log.takeSeq()).toBe(3);
    expect(log.takeSeq()).toBe(4);
    const slice = log.read(0, { maxBytes: 1024 });
    expect(slice.chunks.map((c) => c.seq)).toEqual([1, 2]);
    expect(slice.nextSeq).toBe(5);
  });

  it('evicts the oldest output beyond the byte limit and reports a gap to readers behind it', () => {
    const log = new OutputLog(100);
    for (let i = 0; i < 5; i++) log.appendOutput('stdout', bytes(40));
    expect(log.retainedBytes).toBe(80);
    expect(() => log.read(0, { maxBytes: 1000 })).toThrow(EvictedOutputError);
    let gap: unknown;
    try {
      log.read(2, { maxBytes: 1000 });
    } catch (err) {
      gap = err;
    }
    expect(gap).toBeInstanceOf(EvictedOutputError);
    expect((gap as EvictedOutputError).firstRetainedSeq).toBe(4);
    expect(log.read(3, { maxBytes: 1000 }).chunks.map((c) => c.seq)).toEqual([4, 5]);
  });

  it('caps a read at maxBytes but always returns at least one chunk', () => {
    const log = new OutputLog(1000);
    for (let i = 0; i < 3; i++) log.appendOutput('pty', bytes(50));
    const first = log.read(0, { maxBytes: 10 });
    expect(first.chunks.map((c) => c.seq)).toEqual([1]);
    expect(first.nextSeq).toBe(2);
    expect(log.read(1, { maxBytes: 100 }).chunks.map((c) => c.seq)).toEqual([2, 3]);
  });

  it('counts each chunk as its answer carries it, so many small chunks stop a read before its byte cap', () => {
    const log = new OutputLog(1_000_000);
    for (let i = 0; i < 1000; i++) log.appendOutput('stdout', bytes(3));
    // Each 3-byte chunk is 4 bytes of base64 plus its JSON: 68 answer bytes, 3 output bytes.
    const slice = log.read(0, { maxBytes: 1_000_000, maxAnswerBytes: 68 * 100 });
    expect(slice.chunks).toHaveLength(100);
    expect(slice.nextSeq).toBe(101);
    expect(log.read(0, { maxBytes: 1_000_000, maxAnswerBytes: 10 }).chunks).toHaveLength(1);
  });
});
