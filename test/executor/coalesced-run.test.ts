import { describe, expect, it } from 'vitest';
import { CoalescedRun } from '../../executor/containment/coalesced-run.ts';

describe('a shared run (the /proc scans of process-group containment)', () => {
  /** A reader whose reads the test finishes one at a time, each answering with its own number. */
  function controlledReader() {
    const finishers: (() => void)[] = [];
    return {
      reads: () => finishers.length,
      finish: (n: number) => finishers[n]?.(),
      read: (prefix: string) =>
        new Promise<Map<string, number[]>>((resolve) => {
          const n = finishers.length;
          finishers.push(() => resolve(new Map([[`${prefix}read`, [n]]])));
        }),
    };
  }

  it('answers every request made while a scan reads with one scan started after it, never with the one reading', async () => {
    const reader = controlledReader();
    const scan = new CoalescedRun(() => reader.read('marker/'));
    const first = scan.run();
    await Promise.resolve();
    expect(reader.reads()).toBe(1);
    const later = [scan.run(), scan.run(), scan.run()];
    reader.finish(0);
    expect(await first).toEqual(new Map([['marker/read', [0]]]));
    await expect.poll(reader.reads).toBe(2);
    reader.finish(1);
    for (const answer of await Promise.all(later)) expect(answer).toEqual(new Map([['marker/read', [1]]]));
    expect(reader.reads()).toBe(2);
  });

  it('fails the requests of a scan that could not read, and scans again for the next', async () => {
    let reads = 0;
    const scan = new CoalescedRun(async () => {
      reads += 1;
      if (reads === 1) throw new Error('no /proc');
      return new Map([['marker/1', [42]]]);
    });
    await expect(scan.run()).rejects.toThrow('no /proc');
    expect((await scan.run()).get('marker/1')).toEqual([42]);
    expect(reads).toBe(2);
  });
});
