import { type ProcessNotification, RpcErrorCode } from '../proto/rpc/index.ts';
import { outputChunk } from '../rpc/index.ts';
import { OutputGapError, RpcError } from './errors.ts';
import type { ByteCounter } from './output-backlog.ts';
import { OutputQueue } from './output-queue.ts';
import { type ExitStatus, type OutputEvent, OutputSequencer } from './output-sequencer.ts';
import { ProcessHandle, type ProcessOutput } from './process-handle.ts';
import type { ResumableSession } from './resumable-session.ts';

/** How long one catch-up `process/read` waits on the executor for new events. */
const CATCH_UP_WAIT_MS = 5_000;

/**
 * The harness's side of one process: feeds live notifications and catch-up
 * reads through an OutputSequencer and publishes the result to the handle.
 */
export class ProcessTracker {
  readonly handle: ProcessHandle;
  readonly #processId: string;
  readonly #session: ResumableSession;
  readonly #sequencer = new OutputSequencer();
  readonly #queue: OutputQueue<ProcessOutput>;
  readonly #onFinished: () => void;
  #exitStatus: ExitStatus | undefined;
  #resolveExit!: (status: ExitStatus) => void;
  #rejectExit!: (error: Error) => void;
  #finished = false;
  #catchingUp = false;
  /** Set once the executor confirmed the start; only then can a catch-up read find the process. */
  #started = false;
  /** A resume came before the start was confirmed: catch up once it is. */
  #catchUpOnStart = false;

  constructor(
    processId: string,
    tty: boolean,
    session: ResumableSession,
    backlog: ByteCounter,
    onFinished: () => void,
  ) {
    this.#processId = processId;
    this.#queue = new OutputQueue({ counter: backlog, sizeOf: (item) => item.data.length });
    this.#session = session;
    this.#onFinished = onFinished;
    const exit = new Promise<ExitStatus>((resolve, reject) => {
      this.#resolveExit = resolve;
      this.#rejectExit = reject;
    });
    // The owner may never call wait(); a failure is still reported through the output.
    exit.catch(() => {});
    this.handle = new ProcessHandle(processId, tty, session, this.#queue, exit);
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Takes one `process/*` notification addressed to this process. */
  ingest(notification: ProcessNotification): void {
    this.#publish(this.#sequencer.accept(eventOf(notification)));
  }

  /** The executor confirmed the start; a resume that came before it is caught up now. */
  markStarted(): void {
    this.#started = true;
    if (this.#catchUpOnStart) this.catchUp();
  }

  /**
   * After a session resume: reads every event the lost connection may have
   * swallowed with `process/read afterSeq`, long-polling until the process closed.
   */
  catchUp(): void {
    if (!this.#started) {
      this.#catchUpOnStart = true;
      return;
    }
    if (this.#catchingUp || this.#finished) return;
    this.#catchingUp = true;
    void this.#catchUpLoop().finally(() => {
      this.#catchingUp = false;
    });
  }

  /** Ends the process's output with an error (expired session, closed client, start failure). */
  fail(error: Error): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#queue.end(error);
    this.#rejectExit(error);
    this.#onFinished();
  }

  async #catchUpLoop(): Promise<void> {
    try {
      while (!this.#finished) {
        const result = await this.#session.request('process/read', {
          processId: this.#processId,
          afterSeq: this.#sequencer.lastSeq,
          maxBytes: null,
          waitMs: CATCH_UP_WAIT_MS,
        });
        if (this.#finished) return;
        this.#publish(this.#sequencer.acceptRead(result));
      }
    } catch (err) {
      if (err instanceof RpcError && err.code === RpcErrorCode.OutputGap) {
        this.fail(new OutputGapError(this.#processId, err.message, err.data));
      } else {
        this.fail(err as Error);
      }
    }
  }

  #publish(events: OutputEvent[]): void {
    for (const event of events) {
      if (this.#finished) return;
      if (event.kind === 'output') {
        this.#queue.push({ stream: event.stream, data: event.data });
      } else if (event.kind === 'exited') {
        this.#exitStatus = event.status;
      } else {
        this.#close();
      }
    }
  }

  #close(): void {
    const status = this.#exitStatus;
    if (status === undefined) {
      this.fail(new Error(`process ${this.#processId} closed without reporting an exit status`));
      return;
    }
    this.#finished = true;
    this.#queue.end();
    this.#resolveExit(status);
    this.#onFinished();
  }
}

/** The sequencer's event for a notification. */
function eventOf(notification: ProcessNotification): OutputEvent {
  switch (notification.method) {
    case 'process/output': {
      const { seq, stream } = notification.params;
      return { kind: 'output', seq, stream, data: outputChunk(notification.params) };
    }
    case 'process/exited': {
      const { seq, exitCode, signal } = notification.params;
      return { kind: 'exited', seq, status: { exitCode, signal } };
    }
    case 'process/closed':
      return { kind: 'closed', seq: notification.params.seq };
  }
}
