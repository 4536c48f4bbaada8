import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import type { Socket } from 'node:net';
import { constants } from 'node:os';
import type { IPty } from '@lydell/node-pty';
import type { ProcessTree } from '../containment/process-tree.ts';
import { DriverListeners, type ProcessDriver, type SpawnSpec } from './driver.ts';
import type { PtyModule } from './pty-support.ts';

/** After exit, how long the PTY must be quiet (and not paused) before the held slave is let go. */
const QUIET_AFTER_EXIT_MS = 30;
/** After the slave was let go, how long a silent PTY is waited for (descendants may hold it). */
const SILENT_AFTER_EXIT_MS = 2000;

const signalNames = new Map<number, string>(
  Object.entries(constants.signals).map(([name, num]) => [num as number, name] as const),
);

interface UnixTerminalInternals {
  _socket: Socket;
  ptsName: string;
}

/**
 * A process on a pseudo-terminal (tty: true). node-pty makes the child a
 * session leader, so its pid is also its process group id.
 *
 * Two ways output gets lost right before an exit, both handled here:
 * - When the child closes the last slave descriptor, Linux may report
 *   EOF/EIO on the master while written data is still in flight. The
 *   executor therefore holds a slave descriptor of its own and lets go of it
 *   only once the child has exited and the master has been read dry.
 * - node-pty destroys its read socket 200 ms after the child exits, losing
 *   whatever is still unread (reading paused for backpressure, busy event
 *   loop). That destroy is intercepted: it is the signal that the child
 *   exited, and the stream then drains to its natural end instead.
 */
export class PtyDriver extends DriverListeners implements ProcessDriver {
  readonly #term: IPty;
  readonly pid: number;
  readonly #socket: Socket;
  readonly #destroySocket: () => void;
  #slaveFd: number | null;
  #stdinOpen = true;
  #paused = false;
  #exitSeen = false;
  #dataEvents = 0;
  #timer: NodeJS.Timeout | null = null;

  /** Spawns the process inside `tree`. */
  constructor(pty: PtyModule, spec: SpawnSpec, tree: ProcessTree) {
    super();
    this.#term = tree.enter(() =>
      pty.spawn(spec.file, spec.args, {
        name: spec.env.TERM ?? 'xterm-256color',
        cols: spec.cols,
        rows: spec.rows,
        cwd: spec.cwd,
        env: spec.env,
        encoding: null,
      }),
    );
    this.pid = this.#term.pid;
    tree.adopt(this.pid);
    const internals = this.#term as unknown as UnixTerminalInternals;
    this.#slaveFd = holdSlave(internals.ptsName);
    const socket = internals._socket;
    this.#socket = socket;
    const destroy = socket.destroy.bind(socket);
    this.#destroySocket = () => destroy();
    socket.destroy = (error?: Error) => {
      // The stream ended or failed (EIO after the last byte): closing it loses nothing.
      if (error || socket.readableEnded) return destroy(error);
      this.#exitSeen = true;
      this.#scheduleDrainCheck();
      return socket;
    };
    socket.once('end', () => destroy());
    socket.once('close', () => {
      this.#clearTimer();
      this.#releaseSlave();
    });
    this.#term.onData((data) => {
      this.#dataEvents++;
      if (this.#exitSeen) this.#scheduleDrainCheck();
      this.emitData('pty', data as unknown as Buffer);
    });
    this.#term.onExit(({ exitCode, signal }) => {
      this.#clearTimer();
      this.#releaseSlave();
      this.#stdinOpen = false;
      const name = signal ? (signalNames.get(signal) ?? `signal ${signal}`) : null;
      this.emitExit(name ? null : exitCode, name);
      this.emitClose();
    });
  }

  get stdinOpen(): boolean {
    return this.#stdinOpen;
  }

  /** Straight to the master's socket, as node-pty's own write does, with a callback once the bytes are taken. */
  write(data: Buffer, written: () => void): void {
    if (this.#socket.destroyed) written();
    else this.#socket.write(data, () => written());
  }

  /** A terminal has no separate stdin to close: EOF is the terminal's EOF character. */
  closeStdin(): void {
    if (!this.#stdinOpen) return;
    this.#term.write('\x04');
    this.#stdinOpen = false;
  }

  resize(cols: number, rows: number): void {
    this.#term.resize(cols, rows);
  }

  pause(): void {
    this.#paused = true;
    this.#clearTimer();
    this.#term.pause();
  }

  resume(): void {
    this.#paused = false;
    this.#term.resume();
    if (this.#exitSeen) this.#scheduleDrainCheck();
  }

  /**
   * After the exit: once a quiet period passes and one more poll phase
   * brings no data, the master is dry and the held slave can go (the master
   * then reads EIO and the exit is reported). Without a held slave, a PTY
   * that stays silent is given up on.
   */
  #scheduleDrainCheck(): void {
    if (this.#paused) return;
    this.#clearTimer();
    const seen = this.#dataEvents;
    if (this.#slaveFd === null) {
      this.#timer = setTimeout(() => this.#destroySocket(), SILENT_AFTER_EXIT_MS);
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = null;
      setImmediate(() => {
        if (this.#paused || this.#dataEvents !== seen) return;
        this.#releaseSlave();
        this.#scheduleDrainCheck();
      });
    }, QUIET_AFTER_EXIT_MS);
  }

  #releaseSlave(): void {
    if (this.#slaveFd === null) return;
    closeSync(this.#slaveFd);
    this.#slaveFd = null;
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }
}

function holdSlave(ptsName: string): number | null {
  try {
    return openSync(ptsName, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
  } catch {
    return null;
  }
}
