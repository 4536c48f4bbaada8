import type { Readable, Writable } from 'node:stream';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { spawnOnPipes } from './pipe-spawn.ts';
import { spawnFailure } from './spawn-checks.ts';
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

/**
 * A process on pipes as it becomes known (its pid, then its pipes), holding
 * its exit until that is listened for: a listener that comes late still
 * hears it.
 */
export class PipedProcess implements PipedChild {
  pid = 0;
  stdin: Writable | null = null;
  stdout!: Readable;
  stderr!: Readable;
  #exit: { code: number | null; signal: string | null } | null = null;
  #listener: ExitListener | null = null;

  onExit(listener: ExitListener): void {
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
    const piped = new PipedProcess();
    piped.stdin = child.stdin;
    piped.stdout = child.stdout as Readable;
    piped.stderr = child.stderr as Readable;
    child.once('exit', (code, signal) => piped.exited(code, signal));
    // Listened to at once: 'spawn' and 'error' come on the next tick.
    return new Promise<PipedChild>((resolve, reject) => {
      child.once('error', (err) => reject(spawnFailure(spec.file, err)));
      child.once('spawn', () => {
        piped.pid = child.pid as number;
        resolve(piped);
      });
    });
  });
}
