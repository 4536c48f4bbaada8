import { constants } from 'node:os';
import type { OutputStream, ProcessReadResult, WriteStatus } from '../../proto/rpc/index.ts';
import type { ProcessDriver } from './driver.ts';
import { OutputLog } from './output-log.ts';

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

/** Grace between SIGTERM and SIGKILL when a process group is terminated. */
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
 * One started process: its driver, its seq-numbered output log and the
 * state `process/read` reports. Events go to a single listener (the session).
 */
export class ManagedProcess {
  readonly processId: string;
  readonly #driver: ProcessDriver;
  readonly #log: OutputLog;
  readonly #writeIds = new Set<string>();
  /** The exit status and the seq of its event, once exited. */
  #exited: (ExitStatus & { seq: number }) | null = null;
  #closedSeq = 0;
  #paused = false;
  #waiters = new Set<() => void>();
  #killTimer: NodeJS.Timeout | null = null;

  constructor(
    processId: string,
    driver: ProcessDriver,
    retainBytes: number,
    onEvent: (process: ManagedProcess, event: ProcessEvent) => void,
  ) {
    this.processId = processId;
    this.#driver = driver;
    this.#log = new OutputLog(retainBytes);
    driver.onData((stream, data) => {
      const { seq } = this.#log.appendOutput(stream, data);
      this.#wake();
      onEvent(this, { kind: 'output', seq, stream, data });
    });
    driver.onExit((code, signal) => {
      const status = exitStatus(code, signal);
      const seq = this.#log.takeSeq();
      this.#exited = { ...status, seq };
      this.#wake();
      onEvent(this, { kind: 'exited', seq, ...status });
    });
    driver.onClose(() => {
      if (this.#killTimer) clearTimeout(this.#killTimer);
      this.#closedSeq = this.#log.takeSeq();
      this.#wake();
      onEvent(this, { kind: 'closed', seq: this.#closedSeq });
    });
  }

  get pid(): number {
    return this.#driver.pid;
  }
  get running(): boolean {
    return this.#exited === null;
  }
  get closed(): boolean {
    return this.#closedSeq > 0;
  }
  write(data: Buffer, writeId: string): WriteStatus {
    if (this.#writeIds.has(writeId)) return 'accepted';
    if (!this.#driver.stdinOpen || !this.running) return 'stdinClosed';
    this.#writeIds.add(writeId);
    if (this.#writeIds.size > WRITE_ID_MEMORY) {
      this.#writeIds.delete(this.#writeIds.values().next().value as string);
    }
    this.#driver.write(data);
    return 'accepted';
  }

  closeStdin(): void {
    this.#driver.closeStdin();
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

  /** SIGTERM to the group, SIGKILL after a grace if anything of it is left. Returns whether it was running. */
  terminate(): boolean {
    const wasRunning = this.running;
    killGroup(this.pid, 'SIGTERM');
    if (!this.#killTimer) {
      this.#killTimer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), TERMINATE_GRACE_MS);
      this.#killTimer.unref();
    }
    return wasRunning;
  }

  /** Immediate SIGKILL to the whole group (session expiry, shutdown). */
  kill(): void {
    killGroup(this.pid, 'SIGKILL');
    // The output must drain for `closed`; nobody may be reading any more.
    this.setPaused(false);
  }

  setPaused(paused: boolean): void {
    if (paused === this.#paused || this.closed) return;
    this.#paused = paused;
    if (paused) this.#driver.pause();
    else this.#driver.resume();
  }

  /** Events after `afterSeq`; waits up to `waitMs` for something new (output, the exit, the close) when there is none. */
  async read(afterSeq: number, maxBytes: number, waitMs: number): Promise<ProcessReadResult> {
    let slice = this.#log.read(afterSeq, maxBytes);
    const exitedSeq = this.#exited?.seq ?? 0;
    const news = slice.chunks.length > 0 || exitedSeq > afterSeq || this.#caughtUpToClose(slice.nextSeq);
    if (!news && waitMs > 0) {
      await this.#waitForEvent(waitMs);
      slice = this.#log.read(afterSeq, maxBytes);
    }
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
