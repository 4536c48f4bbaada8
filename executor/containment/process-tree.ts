/**
 * Process containment: every started process runs in a tree of its own —
 * the process and everything it starts, `setsid` and double forks included —
 * that the executor can signal and kill as a whole.
 */

/** `cgroup`: a cgroup v2 per process, killed with `cgroup.kill`. `process-group`: the fallback (see DESIGN.md §5). */
export type ContainmentMode = 'cgroup' | 'process-group';

/** Where another process (the spawn helper) stands while it forks a tree's first process: a tree's cgroup.procs, and its own to go back to. */
export interface CgroupMove {
  readonly into: string;
  readonly back: string;
}

export interface ProcessTree {
  /** For a fork by another process than the executor: the cgroup move around it, or null where none is needed. */
  readonly cgroupMove: CgroupMove | null;
  /** The environment of the tree's first process (in process-group mode it carries the tree's marker). */
  env(env: Record<string, string>): Record<string, string>;
  /** Runs `fork`, which must create the tree's first process synchronously, so that it starts inside the tree. */
  enter<T>(fork: () => T): T;
  /** The first process was created with this pid (also its process group id). */
  adopt(pid: number): void;
  /** Sends `signal` to every process of the tree. */
  signal(signal: NodeJS.Signals): Promise<void>;
  /** SIGKILL to every process of the tree. */
  kill(): Promise<void>;
  /** Lets go of the tree once nothing of it runs any more; false while some of it still does. */
  release(): Promise<boolean>;
}

export interface Containment {
  readonly mode: ContainmentMode;
  /** A new, empty tree (in cgroup mode its cgroup is made off the executor's thread). */
  newTree(): Promise<ProcessTree>;
  /** Kills every tree not yet released and removes this executor's record (shutdown). */
  close(): Promise<void>;
}
