import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CgroupContainment } from '../../executor/containment/cgroup-containment.ts';
import type { Containment, ProcessTree } from '../../executor/containment/process-tree.ts';
import { startContainment } from '../../executor/containment/start-containment.ts';
import { silentLogger } from '../../executor/logger.ts';
import type { SpawnSpec } from '../../executor/process/driver.ts';
import { HelperSpawner, type SpawnHelperUse } from '../../executor/process/helper-spawner.ts';
import type { PipedChild } from '../../executor/process/piped-child.ts';
import { useScratchDir } from './fixture.ts';
import { until, waitGone } from './rpc-client.ts';

type Exit = { code: number | null; signal: string | null };

const spec = (file: string, args: string[], pipeStdin = false): SpawnSpec => ({
  file,
  args,
  argv0: file,
  cwd: '/',
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  pipeStdin,
  cols: 80,
  rows: 24,
});

/** The spawn helpers this process runs (children whose command line names the helper). */
function helperPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
        return (
          parent === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('spawn-helper-main')
        );
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** Everything the process wrote on stdout, and how it exited. */
async function finish(child: PipedChild): Promise<{ stdout: string; exit: Exit }> {
  const chunks: Buffer[] = [];
  child.stderr.resume();
  const ended = new Promise<void>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.on('end', resolve);
  });
  const exit = await new Promise<Exit>((resolve) =>
    child.onExit((code, signal) => resolve({ code, signal })),
  );
  await ended;
  return { stdout: Buffer.concat(chunks).toString(), exit };
}

describe('the spawn helper', () => {
  const scratch = useScratchDir('relaykit-helper-');
  const opened: { containment: Containment; spawner: HelperSpawner; trees: ProcessTree[] }[] = [];

  async function setUp(use: SpawnHelperUse, idleMs?: number) {
    const containment = await startContainment({ stateDirectory: null, logger: silentLogger() });
    const spawner = new HelperSpawner(silentLogger(), use, idleMs);
    const trees: ProcessTree[] = [];
    opened.push({ containment, spawner, trees });
    /** Forks in a tree made beforehand (`tree`), so the fork is asked for in this turn. */
    const spawnIn = async (s: SpawnSpec, tree: ProcessTree) => {
      trees.push(tree);
      const child = await spawner.spawn(s, tree);
      tree.adopt(child.pid);
      return child;
    };
    const spawn = async (s: SpawnSpec) => spawnIn(s, await containment.newTree());
    return { containment, spawner, spawn, spawnIn, trees };
  }

  afterEach(async () => {
    for (const { containment, spawner, trees } of opened.splice(0)) {
      await Promise.all(trees.map((tree) => tree.kill()));
      await spawner.close();
      await containment.close();
    }
    for (const pid of helperPids()) await waitGone(pid);
  });

  it('forks each process of a burst inside its own tree and process group, losing no byte of output', async () => {
    const { containment, spawn } = await setUp('always');
    // Each prints its process group and cgroup (fields after the command name in /proc/self/stat: state, ppid, pgrp).
    const script =
      'echo "$$ $(cut -d")" -f2 /proc/$$/stat | cut -d" " -f4)"; cat /proc/$$/cgroup; head -c 100000 /dev/zero | tr "\\0" x';
    const results = await Promise.all(
      Array.from({ length: 24 }, () =>
        spawn(spec('/bin/sh', ['-c', script])).then(async (child) => ({
          childPid: child.pid,
          ...(await finish(child)),
        })),
      ),
    );
    for (const { childPid, stdout, exit } of results) {
      expect(exit).toEqual({ code: 0, signal: null });
      const [ids = '', ...rest] = stdout.split('\n');
      const [pid, pgid] = ids.split(' ').map(Number);
      expect(pid).toBe(childPid);
      expect(pgid).toBe(pid);
      if (containment instanceof CgroupContainment) {
        expect(rest.join('\n')).toContain(`/relaykit/${basename(containment.directory)}/`);
      }
      expect(rest.at(-1)).toBe('x'.repeat(100_000));
    }
  });

  it('hands the process its stdin: what is written reaches it, and the end of it is an EOF', async () => {
    const { spawn } = await setUp('always');
    const child = await spawn(spec('/bin/cat', [], true));
    child.stdin?.end('through the helper\n');
    expect(await finish(child)).toEqual({ stdout: 'through the helper\n', exit: { code: 0, signal: null } });
  });

  it('rejects a process that cannot be started with the OS reason', async () => {
    const { spawn } = await setUp('always');
    await expect(spawn(spec('/nonexistent/relaykit-binary', []))).rejects.toThrow(
      'spawn /nonexistent/relaykit-binary: ENOENT: no such file or directory',
    );
  });

  it('forks a lone process in the executor, and only a burst starts the helper', async () => {
    const { spawn } = await setUp('burst');
    expect((await finish(await spawn(spec('/bin/echo', ['alone'])))).stdout).toBe('alone\n');
    expect(helperPids()).toEqual([]);
    // Read as each starts, as the executor does: node discards what an exited child's unread pipes held.
    const outputs = Promise.all(
      Array.from({ length: 32 }, (_, i) => spawn(spec('/bin/echo', [`n${i}`])).then(finish)),
    );
    await until(() => (helperPids().length === 1 ? true : undefined), 'the helper started');
    expect((await outputs).map((result) => result.stdout)).toEqual(
      Array.from({ length: 32 }, (_, i) => `n${i}\n`),
    );
  });

  it('reports the exits it can no longer know as unknown when the helper is killed, and forks on', async () => {
    const { spawn } = await setUp('always');
    const sleeper = await spawn(spec('/bin/sleep', ['30']));
    const exit = new Promise<Exit>((resolve) => sleeper.onExit((code, signal) => resolve({ code, signal })));
    const [helper] = helperPids();
    process.kill(helper as number, 'SIGKILL');
    expect(await exit).toEqual({ code: null, signal: null });
    expect((await finish(await spawn(spec('/bin/echo', ['after'])))).stdout).toBe('after\n');
  });

  it("lets a burst's helper go once it has been idle, and starts another for the next burst", async () => {
    const { spawn } = await setUp('burst', 200);
    const burst = (tag: string) =>
      Promise.all(
        Array.from({ length: 16 }, (_, i) => spawn(spec('/bin/echo', [`${tag}${i}`])).then(finish)),
      );
    expect((await burst('a')).map((r) => r.stdout)).toEqual(Array.from({ length: 16 }, (_, i) => `a${i}\n`));
    const [first] = helperPids();
    expect(first).toBeDefined();
    expect(await waitGone(first as number)).toBe(true);
    const second = until(() => helperPids().find((pid) => pid !== first), 'a second helper');
    expect((await burst('b')).map((r) => r.stdout)).toEqual(Array.from({ length: 16 }, (_, i) => `b${i}\n`));
    expect(await second).not.toBe(first);
  });

  it('hands over the pipes of processes that exit at once, stdin included, while the executor is busy', async () => {
    const { spawn } = await setUp('always');
    // The executor's thread busy 30 ms at a time: pipes wait for their hand-over while the processes exit.
    const busy = setInterval(() => {
      const busyUntil = Date.now() + 30;
      while (Date.now() < busyUntil);
    }, 5);
    try {
      const outputs = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          spawn(spec('/bin/sh', ['-c', 'echo out$0', String(i)], true)).then(finish),
        ),
      );
      expect(outputs.map((o) => o.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `out${i}\n`));
    } finally {
      clearInterval(busy);
    }
  });

  it('never runs a command twice when the helper dies while handing processes over', async () => {
    const { containment, spawnIn } = await setUp('always');
    const log = join(scratch.path, 'runs');
    const trees = await Promise.all([0, 1, 2].map(() => containment.newTree()));
    const starts = trees.map((tree, i) =>
      spawnIn(spec('/bin/sh', ['-c', `echo run$0 >> ${log}; sleep 30`, String(i)]), tree),
    );
    // This thread is held until a command ran: the helper forked it and is handing it over, but
    // the executor reads nothing of that before the helper dies.
    const heldUntil = Date.now() + 10_000;
    while (Date.now() < heldUntil && !(existsSync(log) && readFileSync(log, 'utf8').length > 0));
    for (const pid of helperPids()) process.kill(pid, 'SIGKILL');
    const settled = await Promise.allSettled(starts);
    const refused = settled.flatMap((result) =>
      result.status === 'rejected' ? [String(result.reason)] : [],
    );
    expect(refused.length).toBeGreaterThan(0);
    for (const reason of refused) {
      expect(reason).toContain('the spawn helper stopped before it handed the process over');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    const runs = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [];
    expect(runs.length).toBeGreaterThan(0);
    expect(new Set(runs).size).toBe(runs.length);
  });

  it('lets the helper go when the executor closes it', async () => {
    const { spawn, spawner } = await setUp('always');
    await finish(await spawn(spec('/bin/echo', ['once'])));
    const [helper] = helperPids();
    await spawner.close();
    expect(await waitGone(helper as number)).toBe(true);
    expect(helperPids()).toEqual([]);
  });
});
