import type { Readable, Writable } from 'node:stream';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { spawnOnPipes } from './pipe-spawn.ts';
import { osReason, SpawnError } from './spawn-checks.ts';
import { inSpawnTurn } from './spawn-turn.ts';

type ExitListener = (code: number | null, signal: string | null) => void;

/** A process on pipes, in a process group of its own, whoever forked it. */
export interface PipedChild {
  readonly pid: number;
  readonly stdin: Writable | null;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** `listener` is called once, with how the process exited, never before this call returns. */
  onExit(listener: ExitListener): void;
}

/** Holds a process's exit until it is listened for: a listener that comes late still hears it. */
export class ExitNotice {
  #exit: { code: number | null; signal: string | null } | null = null;
  #listener: ExitListener | null = null;

  listen(listener: ExitListener): void {
    this.#listener = listener;
    const exit = this.#exit;
    // Never inside this call: the listener's owner may still be putting itself together.
    if (exit) setImmediate(() => listener(exit.code, exit.signal));
  }

  exited(code: number | null, signal: string | null): void {
    if (this.#exit) return;
    this.#exit = { code, signal };
    this.#listener?.(code, signal);
  }
}

/** Starts processes on pipes inside a tree. */
export interface PipeSpawner {
  spawn(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild>;
  /** Lets go of what the spawner holds (the executor is shutting down); resolves once it has. */
  close(): Promise<void>;
}

/** Forks in the executor itself, inside the tree, in its turn (see inSpawnTurn). */
export function spawnInExecutor(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild> {
  return inSpawnTurn(() => {
    const child = tree.enter(() => spawnOnPipes(spec));
    const exit = new ExitNotice();
    child.once('exit', (code, signal) => exit.exited(code, signal));
    // Listened to at once: 'spawn' and 'error' come on the next tick.
    return new Promise<PipedChild>((resolve, reject) => {
      child.once('error', (err) => reject(new SpawnError(`spawn ${spec.file}: ${osReason(err)}`)));
      child.once('spawn', () =>
        resolve({
          pid: child.pid as number,
          stdin: child.stdin,
          stdout: child.stdout as Readable,
          stderr: child.stderr as Readable,
          onExit: (listener) => exit.listen(listener),
        }),
      );
    });
  });
}
