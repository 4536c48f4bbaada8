import { setTimeout as sleep } from 'node:timers/promises';
import type { OutputStream, Signal } from '../proto/rpc/index.ts';
import { ProcessWriteError } from './errors.ts';
import type { ExitStatus } from './output-sequencer.ts';
import type { ResumableSession } from './resumable-session.ts';

export interface ProcessOutput {
  stream: OutputStream;
  data: Uint8Array;
}

/**
 * A process running on the executor. Its output is an async iterable that
 * yields every chunk once, in the order the process produced it, and ends
 * after the process closed; `wait()` resolves with the exit status after all
 * output. If output was lost for good (retention gap, expired session) the
 * iteration throws and `wait()` rejects with that error.
 */
export class ProcessHandle implements AsyncIterable<ProcessOutput> {
  readonly processId: string;
  readonly tty: boolean;
  readonly #session: ResumableSession;
  readonly #output: AsyncIterable<ProcessOutput>;
  readonly #exit: Promise<ExitStatus>;
  #writes = 0;
  #stdinChain: Promise<void> = Promise.resolve();

  constructor(
    processId: string,
    tty: boolean,
    session: ResumableSession,
    output: AsyncIterable<ProcessOutput>,
    exit: Promise<ExitStatus>,
  ) {
    this.processId = processId;
    this.tty = tty;
    this.#session = session;
    this.#output = output;
    this.#exit = exit;
  }

  /** Output chunks in order, exactly once. Can be iterated once. */
  get output(): AsyncIterable<ProcessOutput> {
    return this.#output;
  }

  [Symbol.asyncIterator](): AsyncIterator<ProcessOutput> {
    return this.#output[Symbol.asyncIterator]();
  }

  /** Exit status, reported once after all output was published. */
  wait(): Promise<ExitStatus> {
    return this.#exit;
  }

  /**
   * Writes to stdin (or the PTY). Writes are delivered in call order; a write
   * interrupted by a reconnect is sent again with the same writeId, so the
   * executor applies it once.
   */
  write(data: Uint8Array | string): Promise<void> {
    const chunk = Buffer.from(data).toString('base64');
    const writeId = `${this.processId}:${++this.#writes}`;
    return this.#inOrder(() => this.#sendWrite(chunk, writeId));
  }

  /** Sends EOF after every earlier write. */
  closeStdin(): Promise<void> {
    return this.#inOrder(() => this.signal('closeStdin'));
  }

  async resize(cols: number, rows: number): Promise<void> {
    await this.#session.request('process/resize', { processId: this.processId, cols, rows });
  }

  /** `interrupt` and `closeStdin` are upstream's; the signal names are relaykit's. */
  async signal(signal: Signal): Promise<void> {
    await this.#session.request('process/signal', { processId: this.processId, signal });
  }

  /** Asks the executor to end the process; returns whether it was still running. */
  async terminate(): Promise<boolean> {
    const { running } = await this.#session.request('process/terminate', { processId: this.processId });
    return running;
  }

  #inOrder(op: () => Promise<void>): Promise<void> {
    const result = this.#stdinChain.then(op);
    this.#stdinChain = result.catch(() => {});
    return result;
  }

  async #sendWrite(chunk: string, writeId: string): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const { status } = await this.#session.request('process/write', {
        processId: this.processId,
        chunk,
        writeId,
      });
      if (status === 'accepted') return;
      if (status !== 'starting') throw new ProcessWriteError(this.processId, status);
      // The executor has not finished spawning; the same writeId keeps the retry idempotent.
      await sleep(Math.min(200, 5 * 2 ** attempt));
    }
  }
}
