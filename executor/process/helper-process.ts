import { type ChildProcess, fork } from 'node:child_process';
import type { Socket } from 'node:net';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProcessTree } from '../containment/process-tree.ts';
import type { SpawnSpec } from './driver.ts';
import { ExitNotice, type PipedChild } from './piped-child.ts';
import { osReason, SpawnError } from './spawn-checks.ts';
import type { HelperMessage, SpawnRequest, StdioIndex } from './spawn-helper-protocol.ts';

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
  tree: ProcessTree;
  child: HelperChild;
  pipesDue: number;
  resolve: (child: PipedChild) => void;
  reject: (err: Error) => void;
}

/** The request never reached the helper: forking it elsewhere cannot run it twice. */
export class HelperUnreachableError extends Error {}

/** How a helper ended: whether it ever answered, whether it was let go, and its exit. */
export interface HelperEnd {
  answered: boolean;
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
  readonly #running = new Map<number, HelperChild>();
  #nextId = 0;
  #answered = false;
  #letGo = false;
  #ended = false;
  readonly #onIdle: () => void;

  /**
   * `onIdle` each time nothing is left pending; `onEnd` once the helper has
   * exited and every message it sent has been read, or could not start.
   */
  constructor(events: { onIdle: () => void; onEnd: (end: HelperEnd) => void }) {
    const { onEnd } = events;
    this.#onIdle = events.onIdle;
    const end = (code: number | null, signal: string | null) => {
      if (this.#ended) return;
      this.#ended = true;
      onEnd(this.#lost(code, signal));
    };
    this.#process = fork(HELPER_MAIN, [], { execArgv: [], stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    this.#process.on('message', (message: HelperMessage, pipe?: Socket) => this.#receive(message, pipe));
    this.#process.on('error', () => {
      // Errors of a running helper end in its exit; one that never started ends here.
      if (this.#process.pid === undefined) end(null, null);
    });
    this.#process.once('close', end);
  }

  /** Nothing asked of it is pending and nothing it forked still runs. */
  get idle(): boolean {
    return this.#starting.size + this.#running.size === 0;
  }

  spawn(spec: SpawnSpec, tree: ProcessTree): Promise<PipedChild> {
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
      this.#starting.set(id, { file: spec.file, tree, child: new HelperChild(), pipesDue, resolve, reject });
      this.#holdOpen();
      if (!this.#process.connected) return this.#fail(id, new HelperUnreachableError());
      this.#process.send(request, (err: Error | null) => {
        if (err) this.#fail(id, new HelperUnreachableError());
      });
    });
  }

  /** Lets the helper go: it exits once its IPC channel closes. */
  letGo(): void {
    this.#letGo = true;
    if (this.#process.connected) this.#process.disconnect();
  }

  #receive(message: HelperMessage, pipe: Socket | undefined): void {
    this.#answered = true;
    const starting = this.#starting.get(message.id);
    if ('exited' in message) {
      const { code, signal } = message.exited;
      (starting?.child ?? this.#running.get(message.id))?.exit.exited(code, signal);
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

  /**
   * The helper is gone. A process it was handing over may already run (its
   * pipes went with the helper): its tree is killed and its start fails, as
   * forking it again could run the command twice. A helper that never
   * answered forked nothing: what it was asked goes elsewhere. Exits it had
   * not reported are unknown.
   */
  #lost(code: number | null, signal: string | null): HelperEnd {
    const end = {
      answered: this.#answered,
      letGo: this.#letGo,
      code,
      signal,
      unknownExits: this.#running.size,
    };
    for (const [id, { tree }] of [...this.#starting]) {
      if (!this.#answered) {
        this.#fail(id, new HelperUnreachableError());
        continue;
      }
      void tree.kill();
      this.#fail(id, new SpawnError('the spawn helper stopped before it handed the process over'));
    }
    for (const child of this.#running.values()) child.exit.exited(null, null);
    this.#running.clear();
    return end;
  }

  /** The helper keeps the executor's event loop alive only while it has work. */
  #holdOpen(): void {
    if (this.idle) {
      this.#process.unref();
      this.#process.channel?.unref();
      if (!this.#ended) this.#onIdle();
    } else {
      this.#process.ref();
      this.#process.channel?.ref();
    }
  }
}
