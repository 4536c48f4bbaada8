import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { MarkerScan, markedPids, TREE_VARIABLE } from '../../executor/containment/marker-scan.ts';

describe('finding marked processes', () => {
  const children: ChildProcess[] = [];
  afterEach(async () => {
    await Promise.all(
      children.splice(0).map(async (child) => {
        const exited = once(child, 'exit');
        child.kill('SIGKILL');
        await exited;
      }),
    );
  });

  const marked = async (marker: string) => {
    const child = spawn('sleep', ['30'], {
      stdio: 'ignore',
      env: { ...process.env, [TREE_VARIABLE]: marker },
    });
    children.push(child);
    await once(child, 'spawn');
    return child.pid as number;
  };

  it.runIf(process.platform === 'linux')(
    "names each process under its tree's whole marker, and none of another executor's",
    async () => {
      const one = await marked('instance-a/1');
      const ten = await marked('instance-a/10');
      const two = await marked('instance-a/2');
      const alsoTwo = await marked('instance-a/2');
      await marked('instance-b/1');
      const found = await markedPids(`${TREE_VARIABLE}=instance-a/`);
      expect(found.get(`${TREE_VARIABLE}=instance-a/1`)).toEqual([one]);
      expect(found.get(`${TREE_VARIABLE}=instance-a/10`)).toEqual([ten]);
      expect([...(found.get(`${TREE_VARIABLE}=instance-a/2`) ?? [])].sort()).toEqual([two, alsoTwo].sort());
      expect([...found.keys()].sort()).toEqual(
        ['instance-a/1', 'instance-a/10', 'instance-a/2'].map((m) => `${TREE_VARIABLE}=${m}`),
      );
    },
  );
});

describe('a shared marker scan', () => {
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
    const scan = new MarkerScan('marker/', reader.read);
    const first = scan.scan();
    await Promise.resolve();
    expect(reader.reads()).toBe(1);
    const later = [scan.scan(), scan.scan(), scan.scan()];
    reader.finish(0);
    expect(await first).toEqual(new Map([['marker/read', [0]]]));
    await expect.poll(reader.reads).toBe(2);
    reader.finish(1);
    for (const answer of await Promise.all(later)) expect(answer).toEqual(new Map([['marker/read', [1]]]));
    expect(reader.reads()).toBe(2);
  });

  it('fails the requests of a scan that could not read, and scans again for the next', async () => {
    let reads = 0;
    const scan = new MarkerScan('marker/', async () => {
      reads += 1;
      if (reads === 1) throw new Error('no /proc');
      return new Map([['marker/1', [42]]]);
    });
    await expect(scan.scan()).rejects.toThrow('no /proc');
    expect((await scan.scan()).get('marker/1')).toEqual([42]);
    expect(reads).toBe(2);
  });
});
