import type { RecordedGroup } from './instance-records.ts';
import { descendantsAndGroup, groupAlive, pidsWithEnvironment, signalPid, startTimeOf } from './proc-info.ts';
import type { Containment, ProcessTree } from './process-tree.ts';

/** The environment variable that marks every process of a tree in process-group mode. */
const TREE_VARIABLE = 'RELAYKIT_PROCESS_TREE';
const onLinux = process.platform === 'linux';

/** Every live process of the trees whose marker starts with `markerPrefix`, plus `pgid`'s group where given. */
async function members(markerPrefix: string, exact: boolean, pgid?: number): Promise<number[]> {
  if (onLinux) return pidsWithEnvironment(markerPrefix, exact);
  return pgid === undefined ? [] : descendantsAndGroup(pgid);
}

/**
 * The fallback where cgroups are not at hand (no root, macOS): each tree is
 * a process group, plus, found by a scan when it is signalled, every process
 * that carries the tree's marker in its environment (Linux: /proc/PID/environ,
 * so `setsid` and double forks are caught) or, elsewhere, that descends from
 * the group's leader while the leader lives. A process that clears its
 * environment (Linux) or whose parent already exited (elsewhere) escapes.
 */
export class GroupContainment implements Containment {
  readonly mode = 'process-group' as const;
  readonly marker: string;
  readonly #save: () => Promise<void>;
  readonly #groups = new Map<GroupTree, RecordedGroup>();
  #next = 0;

  /** `save` records the live groups (for a successor to reap after a crash). */
  constructor(instance: string, save: (groups: RecordedGroup[]) => Promise<void>) {
    this.marker = `${TREE_VARIABLE}=${instance}/`;
    this.#save = () => save([...this.#groups.values()]);
  }

  newTree(): ProcessTree {
    const tree: GroupTree = new GroupTree(`${this.marker}${++this.#next}`, {
      adopted: async (pgid) => {
        this.#groups.set(tree, { pgid, startTime: (await startTimeOf(pgid)) ?? '' });
        await this.#save();
      },
      released: async () => {
        if (this.#groups.delete(tree)) await this.#save();
      },
    });
    return tree;
  }

  async close(): Promise<void> {
    for (const { pgid } of this.#groups.values()) signalPid(-pgid, 'SIGKILL');
    for (const pid of await members(this.marker, false)) signalPid(pid, 'SIGKILL');
    this.#groups.clear();
  }
}

interface TreeOwner {
  adopted(pgid: number): Promise<void>;
  released(): Promise<void>;
}

class GroupTree implements ProcessTree {
  readonly cgroupMove = null;
  readonly #marker: string;
  readonly #owner: TreeOwner;
  #pgid: number | undefined;

  constructor(marker: string, owner: TreeOwner) {
    this.#marker = marker;
    this.#owner = owner;
  }

  env(env: Record<string, string>): Record<string, string> {
    const [name, value] = this.#marker.split('=') as [string, string];
    return { ...env, [name]: value };
  }

  enter<T>(fork: () => T): T {
    return fork();
  }

  adopt(pid: number): void {
    this.#pgid = pid;
    void this.#owner.adopted(pid).catch(() => {});
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.#pgid !== undefined) signalPid(-this.#pgid, signal);
    for (const pid of await members(this.#marker, true, this.#pgid)) signalPid(pid, signal);
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async release(): Promise<boolean> {
    if (this.#pgid !== undefined && groupAlive(this.#pgid)) return false;
    if ((await members(this.#marker, true)).length > 0) return false;
    await this.#owner.released();
    return true;
  }
}
