import type { Readable } from 'node:stream';
import type { OutputStream } from '../../proto/rpc/index.ts';
import type { ProcessTree } from '../containment/process-tree.ts';
import { DriverListeners, type ProcessDriver, type SpawnSpec } from './driver.ts';
import type { PipedChild, PipeSpawner } from './piped-child.ts';

/**
 * How long after the process exits its pipes may stay open, held by
 * descendants: then `exited` is reported, and once the pipes have been read
 * (not paused) for this long again they are let go so `closed` follows.
 */
const DESCENDANT_GRACE_MS = 1000;

/** A process on pipes (tty: false), in its own process group. */
export class PipeDriver extends DriverListeners implements ProcessDriver {
  readonly #child: PipedChild;
  readonly pid: number;
  #stdinOpen: boolean;
  /** stdout and stderr until they ended, then until they closed. */
  #openStreams = 2;
  #unclosedStreams = 2;
  #exit: { code: number | null; signal: string | null } | null = null;
  #exitReported = false;
  #exitTimer: NodeJS.Timeout | null = null;
  #letGoTimer: NodeJS.Timeout | null = null;
  #paused = false;
  /** Set once the grace after the exit is over while the pipes were still open. */
  #graceOver = false;

  private constructor(child: PipedChild, pipeStdin: boolean) {
    super();
    this.#child = child;
    this.pid = child.pid;
    this.#stdinOpen = pipeStdin;
    this.#wire(child.stdout, 'stdout');
    this.#wire(child.stderr, 'stderr');
    child.stdin?.on('error', () => {
      // EPIPE after the child closed its stdin: later writes report stdinClosed.
      this.#stdinOpen = false;
    });
    child.onExit((code, signal) => {
      this.#exit = { code, signal };
      this.#stdinOpen = false;
      if (this.#unclosedStreams === 0) return this.#close();
      if (this.#openStreams === 0) return this.#reportExit();
      this.#exitTimer = setTimeout(() => {
        this.#reportExit();
        this.#graceOver = true;
        this.#scheduleLetGo();
      }, DESCENDANT_GRACE_MS);
    });
  }

  /** Spawns the process with `spawner` inside `tree`, in a process group of its own. */
  static async spawn(spawner: PipeSpawner, spec: SpawnSpec, tree: ProcessTree): Promise<PipeDriver> {
    const child = await spawner.spawn(spec, tree);
    tree.adopt(child.pid);
    return new PipeDriver(child, spec.pipeStdin);
  }

  get stdinOpen(): boolean {
    return this.#stdinOpen;
  }

  write(data: Buffer, written: () => void): void {
    if (this.#child.stdin) this.#child.stdin.write(data, () => written());
    else written();
  }

  closeStdin(): void {
    this.#stdinOpen = false;
    this.#child.stdin?.end();
  }

  resize(): void {
    // Pipes have no window size.
  }

  pause(): void {
    this.#paused = true;
    this.#stopLetGo();
    this.#child.stdout.pause();
    this.#child.stderr.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#child.stdout.resume();
    this.#child.stderr.resume();
    this.#scheduleLetGo();
  }

  /**
   * After the grace, while reading: the pipes stay open only because
   * descendants hold them. They are let go (output those descendants write
   * later is not read) so that `closed` comes.
   */
  #scheduleLetGo(): void {
    if (!this.#graceOver || this.#paused) return;
    this.#stopLetGo();
    this.#letGoTimer = setTimeout(() => {
      this.#child.stdout.destroy();
      this.#child.stderr.destroy();
    }, DESCENDANT_GRACE_MS);
  }

  #stopLetGo(): void {
    if (this.#letGoTimer) clearTimeout(this.#letGoTimer);
    this.#letGoTimer = null;
  }

  #wire(stream: Readable, name: OutputStream): void {
    stream.on('data', (data: Buffer) => this.emitData(name, data));
    stream.on('end', () => {
      this.#openStreams--;
      if (this.#openStreams === 0 && this.#exit) this.#reportExit();
    });
    stream.on('close', () => {
      this.#unclosedStreams--;
      if (this.#unclosedStreams === 0 && this.#exit) this.#close();
    });
  }

  /** Exited and both pipes closed: everything has been delivered. */
  #close(): void {
    if (this.#exitTimer) clearTimeout(this.#exitTimer);
    this.#stopLetGo();
    this.#reportExit();
    this.emitClose();
  }

  #reportExit(): void {
    if (this.#exitReported || !this.#exit) return;
    this.#exitReported = true;
    this.emitExit(this.#exit.code, this.#exit.signal);
  }
}
