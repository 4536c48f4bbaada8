import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { signalPid } from './proc-info.ts';
import type { CgroupMove, Containment, ProcessTree } from './process-tree.ts';

/** How long a killed cgroup is waited for before it is left (its processes are dying; the next start retries). */
const REMOVE_ATTEMPTS = 100;
const REMOVE_RETRY_MS = 10;

/** The cgroup v2 directory this process is in, from /proc/self/mountinfo and /proc/self/cgroup. */
function ownCgroupDirectory(): string {
  const mount = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .find((fields) => fields[fields.indexOf('-') + 1] === 'cgroup2');
  if (mount === undefined) throw new Error('no cgroup v2 hierarchy is mounted');
  const [root, mountPoint] = [mount[3] as string, mount[4] as string];
  const own = readFileSync('/proc/self/cgroup', 'utf8')
    .split('\n')
    .find((line) => line.startsWith('0::'))
    ?.slice(3);
  if (own === undefined) throw new Error('this process is in no cgroup v2');
  if (!own.startsWith(root)) throw new Error(`this process's cgroup ${own} is outside the mount of ${root}`);
  return join(mountPoint, own.slice(root.length));
}

function procsOf(directory: string): number[] {
  try {
    return readFileSync(join(directory, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function removeNow(directory: string): boolean {
  try {
    rmdirSync(directory);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/**
 * Removes an empty cgroup; false while processes are in it. Creating and
 * removing cgroups costs the kernel about 0.4 ms each: done off the
 * executor's thread, as are the other writes of running trees.
 */
function remove(directory: string): Promise<boolean> {
  return rmdir(directory).then(
    () => true,
    (err: NodeJS.ErrnoException) => err.code === 'ENOENT',
  );
}

/** Kills everything in `directory` and removes it once it is empty (a killed process leaves it within ms). */
async function killAndRemove(directory: string): Promise<boolean> {
  try {
    await writeFile(join(directory, 'cgroup.kill'), '1');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
  }
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    if (await remove(directory)) return true;
    await sleep(REMOVE_RETRY_MS);
  }
  return false;
}

/** Kills and removes an instance's cgroup and every tree below it (a predecessor's leftovers, or shutdown). */
export async function reapCgroup(instanceDirectory: string): Promise<number> {
  const trees = await readdir(instanceDirectory, { withFileTypes: true }).catch(() => []);
  let killed = 0;
  for (const tree of trees.filter((entry) => entry.isDirectory())) {
    const directory = join(instanceDirectory, tree.name);
    killed += procsOf(directory).length;
    await killAndRemove(directory);
  }
  await remove(instanceDirectory);
  return killed;
}

/**
 * Moves the executor into a cgroup below `directory` and back, once, so a
 * delegated but unwritable cgroup.procs fails at start-up, not at the
 * first process; the reason it failed, or undefined. Throws when the
 * executor got in and cannot get back out: it must then run nothing.
 */
function probeMove(directory: string, ownProcs: string): string | undefined {
  const probe = join(directory, 'probe');
  try {
    mkdirSync(probe);
  } catch (err) {
    return `cannot create a cgroup in ${directory}: ${(err as NodeJS.ErrnoException).code ?? err}`;
  }
  let failure: string | undefined;
  try {
    new CgroupTree(probe, ownProcs, () => {}).enter(() => undefined);
  } catch (err) {
    failure = `cannot move the executor between cgroups: ${(err as NodeJS.ErrnoException).code ?? err}`;
  }
  if (procsOf(probe).includes(process.pid))
    throw new Error(`the executor is stuck in ${probe}: it moved in and cannot move back (${failure})`);
  removeNow(probe);
  return failure;
}

/**
 * One cgroup v2 per process tree, below `<own cgroup>/relaykit/<instance>`.
 * The executor moves itself into a tree's cgroup for the instant of the
 * fork (node's and node-pty's forks are synchronous), so the child is born
 * there and nothing it starts can leave; `cgroup.kill` ends them all.
 */
export class CgroupContainment implements Containment {
  readonly mode = 'cgroup' as const;
  readonly directory: string;
  readonly #ownProcs: string;
  readonly #trees = new Set<CgroupTree>();
  /** cgroups being made (`newTree`), which close waits for before it reaps. */
  readonly #making = new Set<Promise<unknown>>();
  #closed = false;
  #next = 0;

  private constructor(directory: string, ownProcs: string) {
    this.directory = directory;
    this.#ownProcs = ownProcs;
  }

  /** A cgroup containment for `instance`, or the reason there cannot be one here. */
  static create(instance: string): CgroupContainment | string {
    if (process.platform !== 'linux') return `cgroups are Linux only (this is ${process.platform})`;
    let own: string;
    try {
      own = ownCgroupDirectory();
    } catch (err) {
      return (err as Error).message;
    }
    const directory = join(own, 'relaykit', instance);
    try {
      mkdirSync(directory, { recursive: true });
    } catch (err) {
      return `cannot create a cgroup in ${own}: ${(err as NodeJS.ErrnoException).code ?? err}`;
    }
    if (!existsSync(join(directory, 'cgroup.kill'))) {
      removeNow(directory);
      return 'the kernel has no cgroup.kill (Linux 5.14 or later is needed)';
    }
    const ownProcs = join(own, 'cgroup.procs');
    const failure = probeMove(directory, ownProcs);
    if (failure !== undefined) {
      removeNow(directory);
      return failure;
    }
    return new CgroupContainment(directory, ownProcs);
  }

  async newTree(): Promise<ProcessTree> {
    if (this.#closed) throw new Error('process containment has ended');
    const directory = join(this.directory, String(++this.#next));
    const made = mkdir(directory);
    this.#making.add(made);
    try {
      await made;
    } finally {
      this.#making.delete(made);
    }
    if (this.#closed) {
      // Closed while the cgroup was being made: the reap has passed, so nothing may start in it.
      await remove(directory);
      throw new Error('process containment has ended');
    }
    const tree = new CgroupTree(directory, this.#ownProcs, () => this.#trees.delete(tree));
    this.#trees.add(tree);
    return tree;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled(this.#making);
    await Promise.all([...this.#trees].map((tree) => tree.kill()));
    await reapCgroup(this.directory);
  }
}

class CgroupTree implements ProcessTree {
  readonly cgroupMove: CgroupMove;
  readonly #directory: string;
  readonly #forget: () => void;

  constructor(directory: string, ownProcs: string, forget: () => void) {
    this.#directory = directory;
    this.#forget = forget;
    this.cgroupMove = { into: join(directory, 'cgroup.procs'), back: ownProcs };
  }

  env(env: Record<string, string>): Record<string, string> {
    return env;
  }

  enter<T>(fork: () => T): T {
    writeFileSync(this.cgroupMove.into, String(process.pid));
    try {
      return fork();
    } finally {
      writeFileSync(this.cgroupMove.back, String(process.pid));
    }
  }

  adopt(): void {}

  async signal(signal: NodeJS.Signals): Promise<void> {
    for (const pid of procsOf(this.#directory)) if (pid !== process.pid) signalPid(pid, signal);
  }

  async kill(): Promise<void> {
    // Never with the executor inside: only a failed move back could leave it there.
    if (procsOf(this.#directory).includes(process.pid))
      writeFileSync(this.cgroupMove.back, String(process.pid));
    if (await killAndRemove(this.#directory)) this.#forget();
  }

  async release(): Promise<boolean> {
    if (!(await remove(this.#directory))) return false;
    this.#forget();
    return true;
  }
}
