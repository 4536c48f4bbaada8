import type { OutputStream } from '../../proto/rpc/index.ts';
import type { PipeSpawnSpec } from './pipe-spawn.ts';

type DataListener = (stream: OutputStream, data: Buffer) => void;
type ExitListener = (exitCode: number | null, signal: string | null) => void;

/** What a spawned process (PTY or pipes) offers the process manager. */
export interface ProcessDriver {
  readonly pid: number;
  readonly stdinOpen: boolean;
  onData(listener: DataListener): void;
  /** The process itself exited (descendants may still hold its output open). */
  onExit(listener: ExitListener): void;
  /** All output has been delivered and the process has exited; fires once, after onExit. */
  onClose(listener: () => void): void;
  /** Writes to stdin; `written` runs once the OS took the bytes, or the write failed. */
  write(data: Buffer, written: () => void): void;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
}

/** The one listener of each driver event (no-ops until set); drivers call the `emit…` fields. */
export class DriverListeners {
  protected emitData: DataListener = () => {};
  protected emitExit: ExitListener = () => {};
  protected emitClose: () => void = () => {};

  onData(listener: DataListener): void {
    this.emitData = listener;
  }
  onExit(listener: ExitListener): void {
    this.emitExit = listener;
  }
  onClose(listener: () => void): void {
    this.emitClose = listener;
  }
}

/** What a process is started from: a process on pipes' fields, and a PTY's size. */
export interface SpawnSpec extends PipeSpawnSpec {
  readonly cols: number;
  readonly rows: number;
}
