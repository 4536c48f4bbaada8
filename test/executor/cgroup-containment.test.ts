import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CgroupContainment } from '../../executor/containment/cgroup-containment.ts';

/** Whether this machine lets the executor create cgroups (root with a cgroup v2 hierarchy). */
const probe = CgroupContainment.create(`probe-${process.pid}`);
if (typeof probe !== 'string') await probe.close();

describe('cgroup containment', () => {
  it.runIf(typeof probe !== 'string')(
    'refuses a tree asked for while it closes, and leaves nothing of the instance behind',
    async () => {
      const containment = CgroupContainment.create(`test-${process.pid}`) as CgroupContainment;
      const before = await containment.newTree();
      const during = containment.newTree().then(
        () => 'made',
        (err: Error) => err.message,
      );
      await containment.close();
      expect(await during).toBe('process containment has ended');
      await expect(containment.newTree()).rejects.toThrow('process containment has ended');
      expect(existsSync(containment.directory)).toBe(false);
      expect(await before.release()).toBe(true);
    },
  );
});
