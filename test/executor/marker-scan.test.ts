import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { markedPids, TREE_VARIABLE } from '../../executor/containment/marker-scan.ts';

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
