import type { Logger } from 'pino';
import type { ValidatedParams } from '../proto/rpc/index.ts';
import type { RpcTransport } from '../rpc/index.ts';
import type { ByteBudget } from './byte-budget.ts';
import type { Containment, ProcessTree } from './containment/process-tree.ts';
import { FileHandles } from './files/file-handles.ts';
import { outputNotification } from './output-notification.ts';
import { childEnv } from './process/child-env.ts';
import type { ProcessDriver, SpawnSpec } from './process/driver.ts';
import { ManagedProcess, type ProcessEvent } from './process/managed-process.ts';
import { PipeDriver } from './process/pipe-driver.ts';
import type { PipeSpawner } from './process/piped-child.ts';
import { PtyDriver } from './process/pty-driver.ts';
import { ptySupport, ptyUnavailableMessage } from './process/pty-support.ts';
import { checkCwd, resolveExecutable, SpawnError } from './process/spawn-checks.ts';
import { inSpawnTurn } from './process/spawn-turn.ts';
import { StdinGate } from './process/stdin-gate.ts';
import { internalError, invalidParams, invalidRequest } from './rpc-error.ts';

type StartParams = ValidatedParams<'process/start'>;

export interface SessionOptions {
  /** Retained output per process, in bytes. */
  retainBytes: number;
  /** Unread stdin bytes per process (max-stdin-bytes). */
  maxStdinBytes: number;
  /** Unread stdin bytes across the executor. */
  stdinBudget: ByteBudget;
  containment: Containment;
  /** Forks the processes on pipes. */
  spawner: PipeSpawner;
  logger: Logger;
}

const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;

/**
 * One client session: its processes, its open file reads and the connection
 * it is attached to (if any). Output is pushed as notifications to the
 * attached connection; while that connection is backed up, or while detached
 * with a full retained window of unsent output, the processes' output is
 * paused.
 */
export class Session {
  readonly id: string;
  /** Who may resume it (SessionOwner). */
  readonly owner: string;
  readonly files = new FileHandles();
  readonly #options: SessionOptions;
  readonly #processes = new Map<string, ManagedProcess>();
  /** Trees of closed processes whose id was taken again, still running something: they end with the session. */
  readonly #leftovers = new Set<ProcessTree>();
  /** Output bytes produced while detached, per process. */
  readonly #undelivered = new Map<ManagedProcess, number>();
  readonly #starting = new Set<string>();
  #transport: RpcTransport | null = null;
  #stopWritableWatch: (() => void) | null = null;
  /** Set once the session's processes were killed: their output then drains freely. */
  #ended = false;
  readonly #endedSignal = new AbortController();

  constructor(id: string, owner: string, options: SessionOptions) {
    this.id = id;
    this.owner = owner;
    this.#options = options;
  }

  /** Aborted when the session ends: whatever it still has in progress stops. */
  get signal(): AbortSignal {
    return this.#endedSignal.signal;
  }

  get attached(): boolean {
    return this.#transport !== null;
  }

  get processes(): ReadonlyMap<string, ManagedProcess> {
    return this.#processes;
  }

  attach(transport: RpcTransport): void {
    this.#transport = transport;
    this.#undelivered.clear();
    this.#stopWritableWatch = transport.onWritable(() => this.#updateFlowAll());
    this.#updateFlowAll();
  }

  detach(): void {
    this.#stopWritableWatch?.();
    this.#stopWritableWatch = null;
    this.#transport = null;
    this.#updateFlowAll();
  }

  /** Whether a process/start for this id is still spawning. */
  isStarting(processId: string): boolean {
    return this.#starting.has(processId);
  }

  async start(params: StartParams): Promise<ManagedProcess> {
    const { processId } = params;
    if (this.#starting.has(processId) || this.#processes.get(processId)?.closed === false) {
      throw invalidRequest(`process ${processId} already exists`);
    }
    this.#starting.add(processId);
    try {
      // Inside the try: a tree that cannot be made (no cgroup left) fails this start only.
      const tree = await this.#options.containment.newTree();
      let driver: ProcessDriver;
      try {
        driver = await spawnDriver(params, tree, this.#options.spawner);
      } catch (err) {
        void tree.release();
        throw err;
      }
      const { maxStdinBytes, stdinBudget, retainBytes } = this.#options;
      const stdin = new StdinGate(maxStdinBytes, stdinBudget);
      const proc = new ManagedProcess(processId, driver, tree, stdin, retainBytes, (p, e) =>
        this.#onProcessEvent(p, e),
      );
      const previous = this.#processes.get(processId);
      if (previous) this.#keepUntilEnd(previous.tree);
      this.#processes.set(processId, proc);
      this.#options.logger.info(
        { sessionId: this.id, processId, pid: proc.pid, tty: params.tty },
        'process started',
      );
      if (this.#ended) {
        // The session expired or the executor shut down while this one was spawning.
        void proc.kill();
        throw invalidRequest('the session has ended');
      }
      this.#updateFlow(proc);
      return proc;
    } finally {
      this.#starting.delete(processId);
    }
  }

  /**
   * Kills every process tree of this session at once (what closed processes
   * left running too) and closes its files (expiry, shutdown); resolves once
   * the trees are gone.
   */
  async killAll(): Promise<void> {
    this.#ended = true;
    this.#endedSignal.abort();
    this.files.closeAll();
    await Promise.all([
      ...[...this.#processes.values()].map((proc) => proc.kill()),
      ...[...this.#leftovers].map((tree) => tree.kill()),
    ]);
  }

  #keepUntilEnd(tree: ProcessTree): void {
    void tree.release().then((released) => {
      if (released) return;
      if (this.#ended) void tree.kill();
      else this.#leftovers.add(tree);
    });
  }

  #onProcessEvent(proc: ManagedProcess, event: ProcessEvent): void {
    const t = this.#transport;
    if (event.kind === 'closed') {
      this.#options.logger.info({ sessionId: this.id, processId: proc.processId }, 'process closed');
    }
    if (!t) {
      if (event.kind === 'output')
        this.#undelivered.set(proc, (this.#undelivered.get(proc) ?? 0) + event.data.length);
      this.#updateFlow(proc);
      return;
    }
    try {
      this.#notify(t, proc.processId, event);
    } catch (err) {
      // The connection went away under us; its close detaches this session.
      this.#options.logger.warn({ sessionId: this.id, err: (err as Error).message }, 'notification not sent');
    }
    if (!t.writable) this.#updateFlowAll();
  }

  #notify(t: RpcTransport, processId: string, event: ProcessEvent): void {
    if (event.kind === 'output') {
      t.send(outputNotification(processId, event.seq, event.stream, event.data));
    } else if (event.kind === 'exited') {
      const { seq, exitCode, signal } = event;
      t.send({
        method: 'process/exited',
        params: { processId, seq, exitCode, signal, sandboxDenied: false },
      });
    } else {
      t.send({ method: 'process/closed', params: { processId, seq: event.seq } });
    }
  }

  #updateFlowAll(): void {
    for (const proc of this.#processes.values()) this.#updateFlow(proc);
  }

  #updateFlow(proc: ManagedProcess): void {
    const t = this.#transport;
    if (this.#ended) proc.setPaused(false);
    else if (t) proc.setPaused(!t.writable);
    else proc.setPaused((this.#undelivered.get(proc) ?? 0) >= this.#options.retainBytes);
  }
}

async function spawnDriver(
  params: StartParams,
  tree: ProcessTree,
  spawner: PipeSpawner,
): Promise<ProcessDriver> {
  const [file = '', ...args] = params.argv;
  if (params.tty && params.arg0 !== undefined && params.arg0 !== file) {
    throw invalidParams("arg0: relaykit's executor cannot set argv[0] of a process under a PTY");
  }
  const env = tree.env(childEnv(params, process.env));
  if (params.tty && env.TERM === undefined) env.TERM = 'xterm-256color';
  const cwd = params.cwd ?? process.cwd();
  const pty = params.tty ? await ptySupport() : undefined;
  if (pty?.available === false) throw internalError(ptyUnavailableMessage(pty.reason));
  try {
    await checkCwd(cwd);
    const spec: SpawnSpec = {
      // Looked up on the child's PATH, else on the executor's, as upstream's spawn does.
      file: await resolveExecutable(file, cwd, env.PATH ?? process.env.PATH),
      args,
      argv0: params.arg0 ?? file,
      cwd,
      env,
      pipeStdin: params.pipeStdin,
      cols: params.cols ?? DEFAULT_COLS,
      rows: params.rows ?? DEFAULT_ROWS,
    };
    return pty?.available
      ? await inSpawnTurn(() => new PtyDriver(pty.pty, spec, tree))
      : await PipeDriver.spawn(spawner, spec, tree);
  } catch (err) {
    if (err instanceof SpawnError) throw internalError(err.message);
    throw err;
  }
}
