import { type ChildProcess, spawn } from 'node:child_process';

/** What a process on pipes is started from, in the executor or in the spawn helper. */
export interface PipeSpawnSpec {
  readonly file: string;
  readonly args: string[];
  /** What the process sees as argv[0] (pipes only; a PTY child sees `file`). */
  readonly argv0?: string | undefined;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly pipeStdin: boolean;
}

/**
 * Forks a process on pipes (stdin only when asked), in a process group of
 * its own. Imports nothing but node's module: the spawn helper loads it too.
 */
export function spawnOnPipes(spec: PipeSpawnSpec): ChildProcess {
  return spawn(spec.file, spec.args, {
    argv0: spec.argv0,
    cwd: spec.cwd,
    env: spec.env,
    detached: true,
    stdio: [spec.pipeStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
}
