import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { type PipedChild, PipedProcess } from './piped-child.ts';
import { SpawnError, spawnFailure } from './spawn-checks.ts';
import type { HelperMessage, SpawnRequest, StdioIndex } from './spawn-helper-protocol.ts';

/** The helper's entry next to this module: `.ts` in the sources, `.js` once compiled. */
const HELPER_MAIN = fileURLToPath(
  new URL(`./spawn-helper-main${extname(fileURLToPath(import.meta.url))}`, import.meta.url),
);

const LOST_PIPE = 'the spawn helper lost a pipe of the process';

/** How long a helper that was let go may take to exit before it is killed. */
const LET_GO_MS = 2000;

interface Starting {
  file: string;
  tree: ProcessTree;
  child: PipedProcess;
  pipesDue: number;
  resolve: (child: PipedChild) => void;
  reject: (err: Error) => void;
}

/** The request never reached the helper: forking it elsewhere cannot run it twice. */
export class HelperUnreachableError extends Error {}

/** How a helper ended: whether it got as far as `ready`, whether it was let go, and its exit. */
export interface HelperEnd {
  ready: boolean;
  letGo: boolean;
  code: number | null;
  signal: string | null;
  /** Processes whose exit it took along. */
  unknownExits: number;
}

/**
 * One running spawn helper (spawn-helper-main.ts) and the processes it
 * forked for the executor: what it was asked to start, and what runs until
 * it reports the exit. Its end touches only its own processes.
 */
export class HelperProcess {
  readonly #process: ChildProcess;
  readonly #starting = new Map<number, Starting>();
  readonly #running = new Map<number, PipedProcess>();
  #nextId = 0;
  /** It said `ready`: from then on a request it was sent may have been forked. */
  #ready = false;
  #letGo = false;
  #ended = false;
  readonly #endedSignal: Promise<void>;
  readonly #onIdle: () => void;

  /**
   * `onIdle` each time nothing is left pending; `onEnd` once the helper has
   * exited and its IPC channel closed (every message it sent read), or it
   * could not start. Throws where node cannot fork it.
   */
  constructor(events: { onIdle: () => void; onEnd: (end: HelperEnd) => void }) {
    this.#onIdle = events.onIdle;
    let exit: { code: number | null; signal: string | null } | null = null;
    let disconnected = false;
    let resolveEnded!: () => void;
    this.#endedSignal = new Promise((resolve) => {
      resolveEnded = resolve;
    });
    const end = () => {
      if (this.#ended || exit === null || !disconnected) return;
      this.#ended = true;
      events.onEnd(this.#lost(exit.code, exit.signal));
      resolveEnded();
    };
    this.#process = fork(HELPER_MAIN, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.#process.on('message', (message: HelperMessage, pipe?: Socket) => this.#receive(message, pipe));
    this.#process.on('error', () => {
      // Errors of a running helper end in its exit; one that never started ends here.
      if (this.#process.pid !== undefined) return;
      exit = { code: null, signal: null };
      disconnected = true;
      end();
    });
    // Not 'close': node does not emit it once this side has disconnected.
    this.#process.once('exit', (code, signal) => {
      exit = { code, signal };
      end();
    });
    this.#process.once('disconnect', () => {
      disconnected = true;
      end();
    });
  }

  spawn(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild> {
    const id = ++this.#nextId;
    const { file, args, argv0, cwd, env, pipeStdin } = spec;
    const request: SpawnRequest = { id, file, args, argv0, cwd, env, pipeStdin, cgroup: tree.cgroupMove };
    return new Promise<PipedChild>((resolve, reject) => {
      const pipesDue = spec.pipeStdin ? 3 : 2;
      this.#starting.set(id, { file: spec.file, tree, child: new PipedProcess(), pipesDue, resolve, reject });
      this.#holdOpen();
      if (!this.#process.connected) return this.#fail(id, new HelperUnreachableError());
      this.#process.send(request, (err: Error | null) => {
        if (err) this.#fail(id, new HelperUnreachableError());
      });
    });
  }

  /** Lets the helper go (it exits once its IPC channel closes); resolves once it has, killing it after 2 s. */
  async letGo(): Promise<void> {
    this.#letGo = true;
    if (this.#process.connected) this.#process.disconnect();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), LET_GO_MS);
    await this.#endedSignal;
    clearTimeout(timer);
  }

  #receive(message: HelperMessage, pipe: Socket | undefined): void {
    if ('ready' in message) {
      this.#ready = true;
      return;
    }
    const starting = this.#starting.get(message.id);
    if ('exited' in message) {
      // Still starting: a pipe was lost on the way (node gives up on a handle the executor cannot take).
      if (starting) this.#abandon(message.id, starting, LOST_PIPE);
      this.#running.get(message.id)?.exited(message.exited.code, message.exited.signal);
      this.#running.delete(message.id);
      this.#holdOpen();
    } else if (starting === undefined) {
      pipe?.destroy();
    } else if ('failed' in message) {
      this.#fail(message.id, spawnFailure(starting.file, message.failed));
    } else if ('started' in message) {
      starting.child.pid = message.started;
    } else if (pipe === undefined) {
      this.#abandon(message.id, starting, LOST_PIPE);
    } else {
      this.#takePipe(message.id, starting, message.pipe, pipe);
    }
  }

  /** A process that may run but cannot be handed over: its tree is ended and its start fails. */
  #abandon(id: number, starting: Starting, reason: string): void {
    void starting.tree.kill();
    this.#fail(id, new SpawnError(reason));
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

  /**
   * The helper is gone. A process it was handing over may already run (its
   * pipes went with the helper): its tree is killed and its start fails, as
   * forking it again could run the command twice. A helper that never said
   * `ready` forked nothing: what it was asked goes elsewhere. Exits it had
   * not reported are unknown.
   */
  #lost(code: number | null, signal: string | null): HelperEnd {
    const end = { ready: this.#ready, letGo: this.#letGo, code, signal, unknownExits: this.#running.size };
    for (const [id, starting] of [...this.#starting]) {
      if (this.#ready)
        this.#abandon(id, starting, 'the spawn helper stopped before it handed the process over');
      else this.#fail(id, new HelperUnreachableError());
    }
    for (const child of this.#running.values()) child.exited(null, null);
    this.#running.clear();
    return end;
  }

  /** The helper keeps the executor's event loop alive only while it has work. */
  #holdOpen(): void {
    // Nothing asked of it pending, nothing it forked still running.
    if (this.#starting.size + this.#running.size === 0) {
      this.#process.unref();
      this.#process.channel?.unref();
      if (!this.#ended) this.#onIdle();
    } else {
      this.#process.ref();
      this.#process.channel?.ref();
    }
  }
}
