import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { ExitNotice, type PipedChild, type PipeSpawner, spawnInExecutor } from './piped-child.ts';
import { osReason, SpawnError } from './spawn-checks.ts';
import type { HelperMessage, SpawnRequest, StdioIndex } from './spawn-helper-protocol.ts';
import { forksWaiting } from './spawn-turn.ts';

/** The helper's entry next to this module: `.ts` in the sources, `.js` once compiled. */
const HELPER_MAIN = fileURLToPath(
  new URL(`./spawn-helper-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

/** A process the helper forked; its pipes arrive one by one after its pid. */
class HelperChild implements PipedChild {
  pid = 0;
  stdin: Socket | null = null;
  stdout!: Socket;
  stderr!: Socket;
  readonly exit = new ExitNotice();

  onExit(listener: (code: number | null, signal: string | null) => void): void {
    this.exit.listen(listener);
  }
}

interface Starting {
  file: string;
  child: HelperChild;
  pipesDue: number;
  resolve: (child: PipedChild) => void;
  reject: (err: Error) => void;
}

/**
 * When processes on pipes are forked by the spawn helper: `burst` (the
 * default) once forks queue up in the executor, until the helper has been
 * idle a while; `always`; `never`.
 */
export type SpawnHelperUse = 'burst' | 'always' | 'never';

/** Forks waiting their turn in the executor that make a burst, handed to the helper from then on. */
const BURST_FORKS = 8;
/** How long the helper stays once it has nothing to do (in `burst` use). */
const HELPER_IDLE_MS = 10_000;

/**
 * Spawns processes on pipes, in the executor or through the spawn helper
 * (spawn-helper-main.ts). A fork costs the executor's thread more the more
 * memory the executor holds; a burst of them (a thousand sessions starting
 * at once) goes to the helper, which forks them while the executor goes on.
 * A single process is still forked at once by the executor: no helper
 * process sits in memory for it, and no hand-over delays it. Where the
 * helper cannot run, every fork is the executor's.
 */
export class SpawnHelper implements PipeSpawner {
  readonly #logger: Logger;
  readonly #use: SpawnHelperUse;
  #helper: ChildProcess | null = null;
  #idleTimer: NodeJS.Timeout | null = null;
  /** Why the helper cannot run here; then every fork is the executor's. */
  #unusable: string | null = null;
  #nextId = 0;
  readonly #starting = new Map<number, Starting>();
  readonly #running = new Map<number, HelperChild>();

  constructor(logger: Logger, use: SpawnHelperUse = 'burst') {
    this.#logger = logger;
    this.#use = use;
  }

  spawn(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild> {
    const helper = this.#helperFor();
    if (helper === null) return spawnInExecutor(spec, tree);
    const id = ++this.#nextId;
    const request: SpawnRequest = {
      id,
      file: spec.file,
      args: spec.args,
      argv0: spec.argv0,
      cwd: spec.cwd,
      env: spec.env,
      pipeStdin: spec.pipeStdin,
      cgroup: tree.cgroupMove,
    };
    return new Promise<PipedChild>((resolve, reject) => {
      const pipesDue = spec.pipeStdin ? 3 : 2;
      this.#starting.set(id, { file: spec.file, child: new HelperChild(), pipesDue, resolve, reject });
      this.#holdOpen();
      helper.send(request, (err: Error | null) => {
        if (err) this.#fail(id, new HelperGoneError());
      });
    }).catch((err: Error) => {
      if (!(err instanceof HelperGoneError)) throw err;
      return spawnInExecutor(spec, tree);
    });
  }

  close(): void {
    this.#unusable = 'the executor is shutting down';
    for (const id of [...this.#starting.keys()])
      this.#fail(id, new SpawnError('the executor is shutting down'));
    this.#letGo();
  }

  /** The helper to fork this process, started if it is time to; null: the executor forks it. */
  #helperFor(): ChildProcess | null {
    if (this.#unusable !== null || this.#use === 'never') return null;
    if (this.#helper !== null) return this.#helper;
    if (this.#use === 'burst' && forksWaiting() < BURST_FORKS) return null;
    return this.#start();
  }

  #letGo(): void {
    const helper = this.#helper;
    this.#helper = null;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (helper?.connected) helper.disconnect();
  }

  #start(): ChildProcess | null {
    let helper: ChildProcess;
    try {
      helper = fork(HELPER_MAIN, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    } catch (err) {
      this.#giveUp((err as Error).message);
      return null;
    }
    this.#helper = helper;
    helper.on('message', (message: HelperMessage, pipe?: Socket) => this.#receive(message, pipe));
    helper.on('error', (err) => {
      // Only a helper that never started is given up on; later errors end in its exit.
      if (helper.pid === undefined) this.#giveUp(err.message);
    });
    helper.once('exit', (code, signal) => this.#lost(helper, code, signal));
    return helper;
  }

  #receive(message: HelperMessage, pipe: Socket | undefined): void {
    const starting = this.#starting.get(message.id);
    if ('exited' in message) {
      (starting?.child ?? this.#running.get(message.id))?.exit.exited(
        message.exited.code,
        message.exited.signal,
      );
      this.#running.delete(message.id);
      this.#holdOpen();
    } else if (starting === undefined) {
      pipe?.destroy();
    } else if ('failed' in message) {
      this.#fail(message.id, new SpawnError(`spawn ${starting.file}: ${osReason(message.failed)}`));
    } else if ('started' in message) {
      starting.child.pid = message.started;
    } else if (pipe !== undefined) {
      this.#takePipe(message.id, starting, message.pipe, pipe);
    }
  }

  #takePipe(id: number, starting: Starting, fd: StdioIndex, pipe: Socket): void {
    const { child } = starting;
    if (fd === 0) child.stdin = pipe;
    else if (fd === 1) child.stdout = pipe;
    else child.stderr = pipe;
    if (--starting.pipesDue > 0) return;
    this.#starting.delete(id);
    this.#running.set(id, child);
    starting.resolve(child);
  }

  #fail(id: number, err: Error): void {
    const starting = this.#starting.get(id);
    if (!starting) return;
    this.#starting.delete(id);
    for (const pipe of [starting.child.stdin, starting.child.stdout, starting.child.stderr]) pipe?.destroy();
    starting.reject(err);
    this.#holdOpen();
  }

  /** The helper exited: spawns it had not answered are forked here; exits it had not reported are unknown. */
  #lost(helper: ChildProcess, code: number | null, signal: string | null): void {
    if (this.#helper === helper) this.#helper = null;
    if (this.#starting.size + this.#running.size === 0) return;
    this.#logger.error({ code, signal, running: this.#running.size }, 'the spawn helper stopped');
    for (const id of [...this.#starting.keys()]) this.#fail(id, new HelperGoneError());
    for (const child of this.#running.values()) child.exit.exited(null, null);
    this.#running.clear();
  }

  #giveUp(reason: string): void {
    this.#unusable = reason;
    this.#helper = null;
    this.#logger.warn({ reason }, 'the spawn helper cannot run: processes are forked by the executor');
    for (const id of [...this.#starting.keys()]) this.#fail(id, new HelperGoneError());
  }

  /** The helper keeps the executor's event loop alive only while it has work; idle long enough (burst use), it goes. */
  #holdOpen(): void {
    const helper = this.#helper;
    if (!helper) return;
    if (this.#idleTimer) clearTimeout(this.#idleTimer);
    this.#idleTimer = null;
    if (this.#starting.size + this.#running.size > 0) {
      helper.ref();
      helper.channel?.ref();
      return;
    }
    helper.unref();
    helper.channel?.unref();
    if (this.#use === 'burst') {
      this.#idleTimer = setTimeout(() => this.#letGo(), HELPER_IDLE_MS);
      this.#idleTimer.unref();
    }
  }
}

/** The helper stopped before answering a spawn. */
class HelperGoneError extends Error {}
