import { randomUUID } from 'node:crypto';
import type {
  EnvironmentInfoResult,
  EnvPolicy,
  FsDirectoryEntry,
  FsMetadataResult,
  FsWalkResult,
  RequestParamsOf,
} from '../proto/rpc/index.ts';
import { RpcErrorCode } from '../proto/rpc/index.ts';
import { ConnectionLostError, RpcError } from './errors.ts';
import { readFileBlocks } from './file-blocks.ts';
import { OutputBacklog } from './output-backlog.ts';
import type { ProcessHandle, ProcessOutput } from './process-handle.ts';
import { ProcessTracker } from './process-tracker.ts';
import {
  type BufferedHttpResponse,
  type HttpRequestOptions,
  RemoteHttp,
  type StreamedHttpResponse,
} from './remote-http.ts';
import type { ResumableSession } from './resumable-session.ts';
import { nativePath, wirePath } from './wire-path.ts';

type StartParams = RequestParamsOf<'process/start'>;

/** The executor's whole environment, with `env` on top (upstream's executor gives a child exactly `env` without a policy). */
const INHERIT_ALL: EnvPolicy = {
  inherit: 'all',
  ignoreDefaultExcludes: true,
  exclude: [],
  set: {},
  includeOnly: [],
};

/** Relay counters by metric name: a number each, or a record per label value for the labelled ones. */
export type RelayStats = Record<string, number | Record<string, number>>;

export interface ExecOptions {
  /** An absolute path or a `file:` URI; defaults to the executor's working directory. */
  cwd?: string;
  /** Added to the executor's environment. */
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
  /** 128+n for a death by signal n. */
  exitCode: number;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** Output of a PTY process (`tty: true`). */
  pty: Buffer;
}

/**
 * The harness library's client: runs processes, touches files and makes
 * HTTP requests on one executor through one session, the same way in local
 * and relay mode. Requests go out in upstream's shapes, so the client also
 * drives an upstream executor (relaykit's extensions aside: resize, named
 * signals).
 */
export class HarnessClient {
  readonly #session: ResumableSession;
  readonly #trackers = new Map<string, ProcessTracker>();
  readonly #backlog: OutputBacklog;
  readonly #relayStats: (() => RelayStats) | undefined;
  readonly #http: RemoteHttp;
  /** The executor's working directory, asked once: upstream's `process/start` requires a cwd. */
  #defaultCwd: Promise<string | null> | undefined;

  /**
   * `backlog` bounds the process output published to handles but not yet
   * read: above its high watermark the connection stops taking messages (and
   * so the executor pauses the processes) until reading brings it down to
   * the low watermark. Read every handle's output: unread output beyond the
   * high watermark stalls the whole client, requests included.
   */
  constructor(
    session: ResumableSession,
    backlog: OutputBacklog = new OutputBacklog(),
    relayStats?: () => RelayStats,
  ) {
    this.#session = session;
    this.#backlog = backlog;
    this.#relayStats = relayStats;
    this.#http = new RemoteHttp(session, backlog);
    this.#backlog.onPausedChange((paused) => (paused ? session.pauseReceiving() : session.resumeReceiving()));
    session.onNotification((notification) => {
      if (notification.method === 'http/request/bodyDelta') this.#http.ingest(notification.params);
      else this.#trackers.get(notification.params.processId)?.ingest(notification);
    });
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

  /**
   * The counters of the relay socket the client runs on, under the
   * executor's metric names (README, Metrics): a number each, or a record
   * per label value. Shared by every client of an `openRelaySocket`;
   * undefined in local mode.
   */
  stats(): RelayStats | undefined {
    return this.#relayStats?.();
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
    const tty = options.tty ?? false;
    const params: StartParams = {
      processId,
      argv,
      cwd: options.cwd !== undefined ? wirePath(options.cwd) : await this.#executorCwd(),
      envPolicy: INHERIT_ALL,
      env: options.env ?? {},
      tty,
      pipeStdin: options.pipeStdin ?? false,
      arg0: null,
      sandbox: null,
      enforceManagedNetwork: false,
      ...(options.cols !== undefined && { cols: options.cols }),
      ...(options.rows !== undefined && { rows: options.rows }),
    };
    // Registered before the start request: output may arrive before its answer.
    const tracker = new ProcessTracker(processId, tty, this.#session, this.#backlog, () => {
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

  // Files: paths are absolute paths or `file:` URIs; unset options go as null, so the executor's defaults apply.

  /** The whole file; one too large for the executor to send at once is read in blocks. */
  async readFile(path: string): Promise<Buffer> {
    try {
      const { dataBase64 } = await this.#session.request('fs/readFile', {
        path: wirePath(path),
        sandbox: null,
      });
      return Buffer.from(dataBase64, 'base64');
    } catch (err) {
      if (!(err instanceof RpcError && err.message.startsWith('file is too large to read'))) throw err;
      const blocks: Buffer[] = [];
      for await (const block of this.readFileBlocks(path)) blocks.push(block);
      return Buffer.concat(blocks);
    }
  }

  /** Large files without holding them whole: blocks of at most `blockBytes` (default and maximum 1 MiB). */
  readFileBlocks(path: string, options: { blockBytes?: number } = {}): AsyncGenerator<Buffer> {
    return readFileBlocks(this.#session, path, options);
  }

  async writeFile(path: string, data: Uint8Array | string): Promise<void> {
    const dataBase64 = Buffer.from(data).toString('base64');
    await this.#session.request('fs/writeFile', { path: wirePath(path), dataBase64, sandbox: null });
  }

  async readDirectory(path: string): Promise<FsDirectoryEntry[]> {
    const { entries } = await this.#session.request('fs/readDirectory', {
      path: wirePath(path),
      sandbox: null,
    });
    return entries;
  }

  getMetadata(path: string): Promise<FsMetadataResult> {
    return this.#session.request('fs/getMetadata', { path: wirePath(path), sandbox: null });
  }

  /** `recursive` defaults to true. */
  async createDirectory(path: string, options: { recursive?: boolean } = {}): Promise<void> {
    const recursive = options.recursive ?? null;
    await this.#session.request('fs/createDirectory', { path: wirePath(path), recursive, sandbox: null });
  }

  /** `recursive` and `force` default to true. */
  async remove(path: string, options: { recursive?: boolean; force?: boolean } = {}): Promise<void> {
    await this.#session.request('fs/remove', {
      path: wirePath(path),
      recursive: options.recursive ?? null,
      force: options.force ?? null,
      sandbox: null,
    });
  }

  async copy(
    sourcePath: string,
    destinationPath: string,
    options: { recursive?: boolean } = {},
  ): Promise<void> {
    await this.#session.request('fs/copy', {
      sourcePath: wirePath(sourcePath),
      destinationPath: wirePath(destinationPath),
      recursive: options.recursive ?? false,
      sandbox: null,
    });
  }

  /** The path with every link resolved, as a native path. */
  async canonicalize(path: string): Promise<string> {
    const answer = await this.#session.request('fs/canonicalize', { path: wirePath(path), sandbox: null });
    return nativePath(answer.path);
  }

  /** A bounded breadth-first listing below `path` (upstream's `fs/walk`), with native paths. */
  async walk(path: string, options: RequestParamsOf<'fs/walk'>['options']): Promise<FsWalkResult> {
    const outcome = await this.#session.request('fs/walk', { path: wirePath(path), options, sandbox: null });
    return {
      entries: outcome.entries.map((entry) => ({ ...entry, path: nativePath(entry.path) })),
      errors: outcome.errors.map((error) => ({ ...error, path: nativePath(error.path) })),
      truncated: outcome.truncated,
    };
  }

  /** Upstream's `http/request`, made by the executor; `stream: true` gives the body as it arrives. */
  httpRequest(options: HttpRequestOptions & { stream?: false }): Promise<BufferedHttpResponse>;
  httpRequest(options: HttpRequestOptions & { stream: true }): Promise<StreamedHttpResponse>;
  httpRequest(
    options: HttpRequestOptions & { stream?: boolean },
  ): Promise<BufferedHttpResponse | StreamedHttpResponse> {
    return options.stream === true ? this.#http.streamed(options) : this.#http.buffered(options);
  }

  /** The executor's shell and working directory (a `file:` URI). */
  environmentInfo(): Promise<EnvironmentInfoResult> {
    return this.#session.request('environment/info', undefined);
  }

  /** Ends the session's connection; running processes end with ClientClosedError on this side. */
  close(): Promise<void> {
    return this.#session.close();
  }

  #executorCwd(): Promise<string | null> {
    this.#defaultCwd ??= this.environmentInfo().then(({ cwd }) => cwd);
    this.#defaultCwd.catch(() => {
      this.#defaultCwd = undefined;
    });
    return this.#defaultCwd;
  }

  /**
   * `process/start` is not idempotent, so after a lost connection the
   * harness first asks whether the executor already has the process; only
   * if it does not is the start sent again (with the same processId).
   */
  async #start(params: StartParams): Promise<void> {
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
      await this.#session.request('process/read', { processId, afterSeq: 0, maxBytes: 1, waitMs: 0 });
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
