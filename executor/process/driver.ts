import type { OutputStream } from '../../proto/rpc/index.ts';

/** What a spawned process (PTY or pipes) offers the process manager. */
export interface ProcessDriver {
  readonly pid: number;
  readonly stdinOpen: boolean;
  onData(listener: (stream: OutputStream, data: Buffer) => void): void;
  /** The process itself exited (descendants may still hold its output open). */
  onExit(listener: (exitCode: number | null, signal: string | null) => void): void;
  /** All output has been delivered and the process has exited; fires once, after onExit. */
  onClose(listener: () => void): void;
  write(data: Buffer): void;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
}

export interface SpawnSpec {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  pipeStdin: boolean;
  cols: number;
  rows: number;
}
