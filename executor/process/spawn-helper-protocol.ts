/**
 * The messages between the executor and its spawn helper (an IPC channel;
 * stdio pipes travel as handles). The helper says `ready` first; then,
 * one request per process, it answers `failed`, or `started` then one
 * `pipe` per stdio pipe, then `exited` once the process has.
 */
import type { CgroupMove } from '../containment/process-tree.ts';
import type { PipeSpawnSpec } from './pipe-spawn.ts';

export interface SpawnRequest extends PipeSpawnSpec {
  readonly id: number;
  readonly cgroup: CgroupMove | null;
}

/** stdin, stdout, stderr: the file descriptor each pipe is in the process. */
export type StdioIndex = 0 | 1 | 2;

/** Why a fork failed: the OS error code if there is one, and the message. */
export interface ForkFailure {
  readonly code: string | null;
  readonly message: string;
}

export type HelperMessage =
  /** The helper's first message: until it, nothing was forked. */
  | { readonly ready: true }
  | { readonly id: number; readonly failed: ForkFailure }
  | { readonly id: number; readonly started: number }
  | { readonly id: number; readonly pipe: StdioIndex }
  | {
      readonly id: number;
      readonly exited: { readonly code: number | null; readonly signal: string | null };
    };
