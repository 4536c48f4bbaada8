import { constants } from 'node:os';
import type { OutputStream, ProcessReadResult, WriteStatus } from '../../proto/rpc/index.ts';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { ProcessDriver } from './driver.ts';
import { OutputCoalescer } from './output-coalescer.ts';
import { OutputLog, type ReadBounds } from './output-log.ts';
import type { StdinGate } from './stdin-gate.ts';

/** How a process ended: an integer code always (128+n for signal n), and the signal's name. */
export interface ExitStatus {
  exitCode: number;
  signal: string | null;
}

export type ProcessEvent =
  | { kind: 'output'; seq: number; stream: OutputStream; data: Buffer }
  | ({ kind: 'exited'; seq: number } & ExitStatus)
  | { kind: 'closed'; seq: number };

function exitStatus(code: number | null, signal: string | null): ExitStatus {
  if (code !== null) return { exitCode: code, signal: null };
  const number = signal === null ? undefined : (constants.signals as Record<string, number>)[signal];
  // Upstream reports -1 for an exit it could not read.
  return { exitCode: number === undefined ? -1 : 128 + number, signal };
}

/** Remembered writeIds per process, so a retried write is not applied twice. */
const WRITE_ID_MEMORY = 4096;

/** Grace between SIGTERM and SIGKILL when a process tree is terminated. */
const TERMINATE_GRACE_MS = 2000;

function killGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * One started process: its driver, its process tree (the process and all it
 * starts), its seq-numbered output log and the state `process/read` reports.
 * Events go to a single listener (the session).
 */
export class ManagedProcess {
  readonly processId: string;
  readonly #driver: ProcessDriver;
  readonly #tree: ProcessTree;
  readonly #log: OutputLog;
  readonly #stdin: StdinGate;
  /** Writes by writeId: a retried write shares the first one's outcome instead of writing twice. */
  readonly #writes = new Map<string, Promise<WriteStatus>>();
  /** The exit status and the seq of its event, once exited. */
  #exited: (ExitStatus & { seq: number }) | null = null;
  #closedSeq = 0;
  #paused = false;
  #waiters = new Set<() => void>();
  #killTimer: NodeJS.Timeout | null = null;
  #terminating = false;

  constructor(
    processId: string,
    driver: ProcessDriver,
    tree: ProcessTree,
    stdin: StdinGate,
    retainBytes: number,
    onEvent: (process: ManagedProcess, event: ProcessEvent) => void,
  ) {
    this.processId = processId;
    this.#driver = driver;
    this.#tree = tree;
    this.#stdin = stdin;
    this.#log = new OutputLog(retainBytes);
    const output = new OutputCoalescer(retainBytes, (stream, data) => {
      const { seq } = this.#log.appendOutput(stream, data);
      this.#wake();
      onEvent(this, { kind: 'output', seq, stream, data });
    });
    driver.onData((stream, data) => output.push(stream, data));
    driver.onExit((code, signal) => {
      output.flush();
      const status = exitStatus(code, signal);
      const seq = this.#log.takeSeq();
      this.#exited = { ...status, seq };
      stdin.closed();
      // Terminated: what the process started goes with it, so nothing holds its pipes.
      if (this.#terminating) void this.#tree.kill();
      this.#wake();
      onEvent(this, { kind: 'exited', seq, ...status });
    });
    driver.onClose(() => {
      output.flush();
      if (this.#killTimer) clearTimeout(this.#killTimer);
      // Descendants still running stay in the tree until the session ends.
      void this.#tree.release();
      this.#closedSeq = this.#log.takeSeq();
      this.#wake();
      onEvent(this, { kind: 'closed', seq: this.#closedSeq });
    });
  }

  get pid(): number {
    return this.#driver.pid;
  }
  /** The process and everything it started. */
  get tree(): ProcessTree {
    return this.#tree;
  }
  get running(): boolean {
    return this.#exited === null;
  }
  get closed(): boolean {
    return this.#closedSeq > 0;
  }
  /** Writes to stdin within the stdin limits (see StdinGate: it may wait, or refuse with an error). */
  write(data: Buffer, writeId: string): Promise<WriteStatus> {
    const earlier = this.#writes.get(writeId);
    if (earlier) return earlier;
    if (!this.#stdinWritable()) return Promise.resolve('stdinClosed');
    const writing = this.#stdin
      .pass(
        data,
        (bytes, written) => this.#driver.write(bytes, written),
        () => this.#stdinWritable(),
      )
      .then(
        (passed): WriteStatus => (passed ? 'accepted' : 'stdinClosed'),
        (err: unknown) => {
          this.#writes.delete(writeId);
          throw err;
        },
      );
    this.#writes.set(writeId, writing);
    if (this.#writes.size > WRITE_ID_MEMORY) this.#writes.delete(this.#writes.keys().next().value as string);
    return writing;
  }

  closeStdin(): void {
    this.#driver.closeStdin();
    this.#stdin.closed();
  }

  #stdinWritable(): boolean {
    return this.#driver.stdinOpen && this.running;
  }

  resize(cols: number, rows: number): void {
    if (this.running) this.#driver.resize(cols, rows);
  }

  /** Signals the whole process group. */
  signal(signal: NodeJS.Signals): void {
    if (!killGroup(this.pid, signal) && this.running) {
      try {
        process.kill(this.pid, signal);
      } catch {
        // Exited in between: nothing left to signal.
      }
    }
  }

  /**
   * SIGTERM to the whole tree; SIGKILL to what is left of it once the
   * process has exited, or after a grace. Returns whether it was running.
   */
  terminate(): boolean {
    const wasRunning = this.running;
    this.#terminating = true;
    void this.#tree.signal('SIGTERM');
    if (!wasRunning) void this.#tree.kill();
    else if (!this.#killTimer) {
      this.#killTimer = setTimeout(() => void this.#tree.kill(), TERMINATE_GRACE_MS);
      this.#killTimer.unref();
    }
    return wasRunning;
  }

  /** Immediate SIGKILL to the whole tree (session expiry, shutdown); resolves once it is gone. */
  kill(): Promise<void> {
    // The output must drain for `closed`; nobody may be reading any more.
    this.setPaused(false);
    return this.#tree.kill();
  }

  setPaused(paused: boolean): void {
    if (paused === this.#paused || this.closed) return;
    this.#paused = paused;
    if (paused) this.#driver.pause();
    else this.#driver.resume();
  }

  /**
   * Events after `afterSeq`; waits up to `waitMs` for something new (output,
   * the exit, the close) when there is none. The answer is made once
   * `reserve` has taken room for the output it would carry, and carries no more.
   */
  async read(
    afterSeq: number,
    bounds: ReadBounds,
    waitMs: number,
    reserve: (outputBytes: number) => Promise<void>,
  ): Promise<ProcessReadResult> {
    let slice = this.#log.read(afterSeq, bounds);
    const exitedSeq = this.#exited?.seq ?? 0;
    const news = slice.chunks.length > 0 || exitedSeq > afterSeq || this.#caughtUpToClose(slice.nextSeq);
    if (!news && waitMs > 0) {
      await this.#waitForEvent(waitMs);
      slice = this.#log.read(afterSeq, bounds);
    }
    const outputBytes = slice.chunks.reduce((sum, chunk) => sum + chunk.data.length, 0);
    await reserve(outputBytes);
    slice = this.#log.read(afterSeq, { ...bounds, maxBytes: Math.max(outputBytes, 1) });
    return {
      chunks: slice.chunks.map((c) => ({ seq: c.seq, stream: c.stream, chunk: c.data.toString('base64') })),
      nextSeq: slice.nextSeq,
      exited: this.#exited !== null,
      exitCode: this.#exited?.exitCode ?? null,
      signal: this.#exited?.signal ?? null,
      closed: this.#caughtUpToClose(slice.nextSeq),
      failure: null,
      sandboxDenied: false,
    };
  }

  #caughtUpToClose(nextSeq: number): boolean {
    return this.#closedSeq > 0 && nextSeq > this.#closedSeq;
  }

  #waitForEvent(waitMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.#waiters.add(done);
    });
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}
