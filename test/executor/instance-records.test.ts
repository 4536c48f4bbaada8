import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InstanceRecords } from '../../executor/containment/instance-records.ts';
import { useScratchDir } from './fixture.ts';

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

  it('keeps the latest of the records asked for at once, each caller told once it is on disk', async () => {
    const records = await InstanceRecords.open(scratch.path, 'one');
    const groups = Array.from({ length: 100 }, (_, i) => ({ pgid: 1000 + i, startTime: String(i) }));
    const writes = groups.map((_, i) =>
      records.write({
        pid: process.pid,
        startTime: '1',
        mode: 'process-group',
        groups: groups.slice(0, i + 1),
      }),
    );
    await Promise.all(writes);
    const onDisk = JSON.parse(await readFile(join(scratch.path, 'one.json'), 'utf8'));
    expect(onDisk.groups).toEqual(groups);
    await records.write({ pid: process.pid, startTime: '1', mode: 'process-group', groups: [] });
    expect(JSON.parse(await readFile(join(scratch.path, 'one.json'), 'utf8')).groups).toEqual([]);
    await records.remove();
    expect(existsSync(join(scratch.path, 'one.json'))).toBe(false);
  });
});
