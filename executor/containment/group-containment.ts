import { CoalescedRun } from './coalesced-run.ts';
import type { RecordedGroup } from './instance-records.ts';
import { markedPids, TREE_VARIABLE } from './marker-scan.ts';
import { descendantsAndGroup, groupAlive, signalPid, startTimeOf } from './proc-info.ts';
import type { Containment, ProcessTree } from './process-tree.ts';

const onLinux = process.platform === 'linux';

/**
 * Scans of /proc start at least this far apart: every signal and every
 * release needs one, and each reads every process's environment, so the
 * requests of a thousand trees ending at once share a few scans.
 */
const SCAN_GAP_MS = 50;

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
  readonly #scan: CoalescedRun<Map<string, number[]>>;
  #next = 0;

  /** `save` records the live groups (for a successor to reap after a crash). */
  constructor(instance: string, save: (groups: RecordedGroup[]) => Promise<void>) {
    this.marker = `${TREE_VARIABLE}=${instance}/`;
    this.#scan = new CoalescedRun(() => markedPids(this.marker), SCAN_GAP_MS);
    // Best effort: a record that cannot be written leaves the previous one, and the next change writes again.
    this.#save = () => save([...this.#groups.values()]).catch(() => {});
  }

  /** Live processes of the tree marked `marker` (every tree of this executor: null), plus `pgid`'s group where given. */
  async #members(marker: string | null, pgid?: number): Promise<number[]> {
    if (!onLinux) return pgid === undefined ? [] : descendantsAndGroup(pgid);
    const found = await this.#scan.run();
    return marker === null ? [...found.values()].flat() : (found.get(marker) ?? []);
  }

  async newTree(): Promise<ProcessTree> {
    const marker = `${this.marker}${++this.#next}`;
    const tree: GroupTree = new GroupTree(marker, {
      members: (pgid) => this.#members(marker, pgid),
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
    for (const pid of await this.#members(null)) signalPid(pid, 'SIGKILL');
    this.#groups.clear();
  }
}

interface TreeOwner {
  /** The tree's live processes, its group's where given. */
  members(pgid?: number): Promise<number[]>;
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
    void this.#owner.adopted(pid);
  }

  async signal(signal: NodeJS.Signals): Promise<void> {
    if (this.#pgid !== undefined) signalPid(-this.#pgid, signal);
    for (const pid of await this.#owner.members(this.#pgid)) signalPid(pid, signal);
  }

  kill(): Promise<void> {
    return this.signal('SIGKILL');
  }

  async release(): Promise<boolean> {
    if (this.#pgid !== undefined && groupAlive(this.#pgid)) return false;
    if ((await this.#owner.members()).length > 0) return false;
    await this.#owner.released();
    return true;
  }
}
