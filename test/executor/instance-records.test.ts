import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { InstanceRecords } from '../../executor/containment/instance-records.ts';
import { useScratchDir } from './fixture.ts';

/** The paths written through node:fs/promises, in order (the records' own writes among them). */
const writes: string[] = vi.hoisted(() => []);
vi.mock('node:fs/promises', async (original) => {
  const fs = await original<typeof import('node:fs/promises')>();
  return {
    ...fs,
    writeFile: (
      path: string,
      ...rest: Parameters<typeof fs.writeFile> extends [unknown, ...infer R] ? R : never
    ) => {
      writes.push(String(path));
      return fs.writeFile(path, ...rest);
    },
  };
});

describe('the state directory', () => {
  const scratch = useScratchDir('relaykit-state-');

  it('is created with its missing parents, private to the executor', async () => {
    const directory = join(scratch.path, 'a', 'b', 'state');
    const records = await InstanceRecords.open(directory, 'one');
    await records.write({ pid: process.pid, startTime: '1', mode: 'process-group', groups: [] });
    const found = await stat(directory);
    expect(found.isDirectory()).toBe(true);
    expect(found.mode & 0o777).toBe(0o700);
    expect(existsSync(join(directory, 'one.json'))).toBe(true);
    await records.remove();
  });

  it('is refused, naming it, where it can never be created (under /proc)', async () => {
    for (const directory of ['/proc/relaykit-state', '/proc/relaykit-state/inner']) {
      await expect(InstanceRecords.open(directory, 'one')).rejects.toThrow(`cannot create ${directory}: `);
    }
  });

  it('writes the records asked for at once as one, the latest; each caller told once its own is on disk', async () => {
    const records = await InstanceRecords.open(scratch.path, 'one');
    const file = join(scratch.path, 'one.json');
    const groups = Array.from({ length: 100 }, (_, i) => ({ pgid: 1000 + i, startTime: String(i) }));
    writes.length = 0;
    await Promise.all(
      groups.map(async (_, i) => {
        await records.write({
          pid: process.pid,
          startTime: '1',
          mode: 'process-group',
          groups: groups.slice(0, i + 1),
        });
        const onDisk = JSON.parse(await readFile(file, 'utf8'));
        expect(onDisk.groups.length).toBeGreaterThanOrEqual(i + 1);
      }),
    );
    expect(JSON.parse(await readFile(file, 'utf8')).groups).toEqual(groups);
    // All asked for in one turn: one write, of the last.
    expect(writes.filter((path) => path === `${file}.tmp`)).toHaveLength(1);
    await records.remove();
    expect(existsSync(file)).toBe(false);
  });

  it('fails a write the disk refuses, and writes the next record once it can', async () => {
    const directory = join(scratch.path, 'state');
    const records = await InstanceRecords.open(directory, 'one');
    await rm(directory, { recursive: true });
    await expect(records.write({ pid: process.pid, startTime: '1', mode: 'cgroup' })).rejects.toThrow(
      'ENOENT',
    );
    await mkdir(directory);
    await records.write({ pid: process.pid, startTime: '2', mode: 'cgroup' });
    expect(JSON.parse(await readFile(join(directory, 'one.json'), 'utf8')).startTime).toBe('2');
    await records.remove();
  });
});
