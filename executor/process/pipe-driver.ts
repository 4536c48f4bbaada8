import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { OutputStream } from '../../proto/rpc/index.ts';
import { DriverListeners, type ProcessDriver, type SpawnSpec } from './driver.ts';
import { osReason, SpawnError } from './spawn-checks.ts';

/**
 * How long after the process exits its pipes may stay open (held by
 * descendants) before `exited` is reported ahead of the remaining output.
 */
const EXIT_REPORT_GRACE_MS = 1000;

/** A process on pipes (tty: false), in its own process group. */
export class PipeDriver extends DriverListeners implements ProcessDriver {
  readonly #child: ChildProcess;
  readonly pid: number;
  #stdinOpen: boolean;
  #openStreams = 2;
  #exit: { code: number | null; signal: string | null } | null = null;
  #exitReported = false;
  #graceTimer: NodeJS.Timeout | null = null;

  private constructor(child: ChildProcess, pipeStdin: boolean) {
    super();
    this.#child = child;
    this.pid = child.pid as number;
    this.#stdinOpen = pipeStdin;
    this.#wire(child.stdout as Readable, 'stdout');
    this.#wire(child.stderr as Readable, 'stderr');
    child.stdin?.on('error', () => {
      // EPIPE after the child closed its stdin: later writes report stdinClosed.
      this.#stdinOpen = false;
    });
    child.on('exit', (code, signal) => {
      this.#exit = { code, signal };
      this.#stdinOpen = false;
      if (this.#openStreams === 0) this.#reportExit();
      else this.#graceTimer = setTimeout(() => this.#reportExit(), EXIT_REPORT_GRACE_MS);
    });
    child.on('close', () => {
      this.#reportExit();
      this.emitClose();
    });
  }

  static async spawn(spec: SpawnSpec): Promise<PipeDriver> {
    const child = spawn(spec.file, spec.args, {
      argv0: spec.argv0,
      cwd: spec.cwd,
      env: spec.env,
      detached: true,
      stdio: [spec.pipeStdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (err) => reject(new SpawnError(`spawn ${spec.file}: ${osReason(err)}`)));
    });
    return new PipeDriver(child, spec.pipeStdin);
  }

  get stdinOpen(): boolean {
    return this.#stdinOpen;
  }

  write(data: Buffer): void {
    this.#child.stdin?.write(data);
  }

  closeStdin(): void {
    this.#stdinOpen = false;
    this.#child.stdin?.end();
  }

  resize(): void {
    // Pipes have no window size.
  }

  pause(): void {
    this.#child.stdout?.pause();
    this.#child.stderr?.pause();
  }

  resume(): void {
    this.#child.stdout?.resume();
    this.#child.stderr?.resume();
  }

  #wire(stream: Readable, name: OutputStream): void {
    stream.on('data', (data: Buffer) => this.emitData(name, data));
    stream.on('end', () => {
      this.#openStreams--;
      if (this.#openStreams === 0 && this.#exit) this.#reportExit();
    });
  }

  #reportExit(): void {
    if (this.#exitReported || !this.#exit) return;
    this.#exitReported = true;
    if (this.#graceTimer) clearTimeout(this.#graceTimer);
    this.emitExit(this.#exit.code, this.#exit.signal);
  }
}
