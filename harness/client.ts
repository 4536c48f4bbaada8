import { randomUUID } from 'node:crypto';
import type {
  EnvironmentInfoResult,
  FsDirectoryEntry,
  FsMetadataResult,
  ProcessStartParams,
} from '../proto/rpc/index.ts';
import { RpcErrorCode } from '../proto/rpc/index.ts';
import { ConnectionLostError, RpcError } from './errors.ts';
import { OutputBacklog } from './output-backlog.ts';
import type { ProcessHandle, ProcessOutput } from './process-handle.ts';
import { ProcessTracker } from './process-tracker.ts';
import type { ResumableSession } from './resumable-session.ts';

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Run under a pseudo-terminal: output arrives as stream `pty`. */
  tty?: boolean;
  cols?: number;
  rows?: number;
  /** Keep stdin open for `write` (pipes); a PTY always takes input. */
  pipeStdin?: boolean;
  /** Defaults to a fresh UUID. */
  processId?: string;
}

export interface RunOptions extends Omit<ExecOptions, 'pipeStdin'> {
  /** Written to stdin, then stdin is closed. */
  stdin?: Uint8Array | string;
}

export interface RunResult {
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Output of a PTY process (`tty: true`). */
  pty: Buffer;
}

/**
 * The harness library's client: runs processes and touches files on one
 * executor through one session, the same way in local and relay mode.
 */
export class HarnessClient {
  readonly #session: ResumableSession;
  readonly #trackers = new Map<string, ProcessTracker>();
  readonly #backlog: OutputBacklog;

  /**
   * `backlog` bounds the process output published to handles but not yet
   * read: above its high watermark the connection stops taking messages (and
   * so the executor pauses the processes) until reading brings it down to
   * the low watermark. Read every handle's output: unread output beyond the
   * high watermark stalls the whole client, requests included.
   */
  constructor(session: ResumableSession, backlog: OutputBacklog = new OutputBacklog()) {
    this.#session = session;
    this.#backlog = backlog;
    this.#backlog.onPausedChange((paused) => (paused ? session.pauseReceiving() : session.resumeReceiving()));
    session.onNotification((notification) =>
      this.#trackers.get(notification.params.processId)?.ingest(notification),
    );
    session.onResumed(() => {
      for (const tracker of this.#trackers.values()) tracker.catchUp();
    });
    session.onFailed((error) => {
      for (const tracker of [...this.#trackers.values()]) tracker.fail(error);
    });
  }

  get sessionId(): string {
    return this.#session.sessionId;
  }

  /** The relay `stream_id` the session currently runs on (relay mode; undefined in local mode). */
  get streamId(): string | undefined {
    return this.#session.streamId;
  }

  /** How many times the session was re-attached after a lost connection. */
  get resumeCount(): number {
    return this.#session.resumeCount;
  }

  /** Unread output across every process of this client, and whether it currently pauses the connection. */
  get outputBacklog(): OutputBacklog {
    return this.#backlog;
  }

  /** Starts a process; spawn failures (missing binary, bad cwd) reject here as RpcError. */
  async exec(argv: string[], options: ExecOptions = {}): Promise<ProcessHandle> {
    const processId = options.processId ?? randomUUID();
    const params: ProcessStartParams = {
      processId,
      argv,
      tty: options.tty ?? false,
      ...(options.cwd !== undefined && { cwd: options.cwd }),
      ...(options.env !== undefined && { env: options.env }),
      ...(options.pipeStdin !== undefined && { pipeStdin: options.pipeStdin }),
      ...(options.cols !== undefined && { cols: options.cols }),
      ...(options.rows !== undefined && { rows: options.rows }),
    };
    // Registered before the start request: output may arrive before its answer.
    const tracker = new ProcessTracker(processId, params.tty, this.#session, this.#backlog, () => {
      this.#trackers.delete(processId);
    });
    this.#trackers.set(processId, tracker);
    try {
      await this.#start(params);
    } catch (err) {
      tracker.fail(err as Error);
      throw err;
    }
    // Events sent on a connection lost during the start are recovered by reading.
    tracker.markStarted();
    return tracker.handle;
  }

  /**
   * Runs a process to completion and collects its output. Output is read
   * while stdin is written, so a process that answers its input at length
   * never stalls the writes behind unread output.
   */
  async run(argv: string[], options: RunOptions = {}): Promise<RunResult> {
    const { stdin, ...execOptions } = options;
    const handle = await this.exec(argv, { ...execOptions, pipeStdin: stdin !== undefined });
    const collecting = collect(handle);
    // Observed below; a failed write must not leave it unhandled.
    collecting.catch(() => {});
    if (stdin !== undefined) {
      await handle.write(stdin);
      await handle.closeStdin();
    }
    const collected = await collecting;
    const status = await handle.wait();
    return {
      ...status,
      stdout: Buffer.concat(collected.stdout),
      stderr: Buffer.concat(collected.stderr),
      pty: Buffer.concat(collected.pty),
    };
  }

  async readFile(path: string): Promise<Buffer> {
    const { dataBase64 } = await this.#session.request('fs/readFile', { path });
    return Buffer.from(dataBase64, 'base64');
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    await this.#session.request('fs/writeFile', { path, dataBase64: Buffer.from(data).toString('base64') });
  }

  async readDirectory(path: string): Promise<FsDirectoryEntry[]> {
    const { entries } = await this.#session.request('fs/readDirectory', { path });
    return entries;
  }

  getMetadata(path: string): Promise<FsMetadataResult> {
    return this.#session.request('fs/getMetadata', { path });
  }

  async createDirectory(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    await this.#session.request('fs/createDirectory', { path, ...options });
  }

  async remove(path: string, options: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    await this.#session.request('fs/remove', { path, ...options });
  }

  async copy(
    sourcePath: string,
    destinationPath: string,
    options: { recursive?: boolean } = {},
  ): Promise<void> {
    await this.#session.request('fs/copy', { sourcePath, destinationPath, ...options });
  }

  environmentInfo(): Promise<EnvironmentInfoResult> {
    return this.#session.request('environment/info', undefined);
  }

  /** Ends the session's connection; running processes end with ClientClosedError on this side. */
  close(): Promise<void> {
    return this.#session.close();
  }

  /**
   * `process/start` is not idempotent, so after a lost connection the
   * harness first asks whether the executor already has the process; only
   * if it does not is the start sent again (with the same processId).
   */
  async #start(params: ProcessStartParams): Promise<void> {
    for (;;) {
      try {
        await this.#session.requestOnce('process/start', params);
        return;
      } catch (err) {
        if (!(err instanceof ConnectionLostError)) throw err;
      }
      if (await this.#executorHas(params.processId)) return;
    }
  }

  async #executorHas(processId: string): Promise<boolean> {
    try {
      await this.#session.request('process/read', { processId, afterSeq: 0, waitMs: 0, maxBytes: 1 });
      return true;
    } catch (err) {
      if (err instanceof RpcError) return err.code === RpcErrorCode.OutputGap;
      throw err;
    }
  }
}

async function collect(handle: ProcessHandle): Promise<Record<ProcessOutput['stream'], Uint8Array[]>> {
  const collected = { stdout: [] as Uint8Array[], stderr: [] as Uint8Array[], pty: [] as Uint8Array[] };
  for await (const chunk of handle) collected[chunk.stream].push(chunk.data);
  return collected;
}
