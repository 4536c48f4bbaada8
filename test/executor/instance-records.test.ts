import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
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
});
