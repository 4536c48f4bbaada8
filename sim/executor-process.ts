/** A real `relaykit executor` child process in relay mode. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const RELAYKIT_BIN = fileURLToPath(new URL('../bin/relaykit.js', import.meta.url));

const LOG_TAIL_BYTES = 64 * 1024;

export interface ExecutorProcess {
  readonly pid: number;
  /** Exit code or signal once it has exited, otherwise null. */
  exitStatus(): string | null;
  /** The last 64 KiB of its stderr (structured logs). */
  logTail(): string;
  /** The first match of `pattern` in its stdout, once it has printed one (e.g. where it serves metrics). */
  printed(pattern: RegExp): Promise<RegExpExecArray>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnExecutorOptions {
  registryUrl: string;
  executorId: string;
  token: string;
  /** Extra flags, e.g. ['--session-ttl-ms', '2000']. */
  args?: readonly string[];
  logLevel?: string;
}

/**
 * Resolves with the first match of `ready` in a child's stdout, then lets the
 * rest of its stdout flow away; rejects if the child exits first.
 */
export function readyLine(child: ChildProcess, ready: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      const found = ready.exec(seen);
      if (found === null) return;
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      child.stdout?.resume();
      resolve(found[0]);
    };
    const onExit = (code: number | null, signal: string | null) =>
      reject(new Error(`exited (${signal ?? code}) before it was ready: ${seen}`));
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}

/** Starts the executor and resolves once it has registered (its first ticket is in hand). */
export async function spawnExecutor(options: SpawnExecutorOptions): Promise<ExecutorProcess> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      RELAYKIT_BIN,
      'executor',
      '--registry',
      options.registryUrl,
      '--executor-id',
      options.executorId,
      '--log-level',
      options.logLevel ?? 'warn',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RELAYKIT_EXECUTOR_TOKEN: options.token } },
  );
  // If this process ends without stopping it (a crash, an uncaught error), take the executor along.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  child.once('exit', () => process.off('exit', killOnExit));
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-LOG_TAIL_BYTES);
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString()).slice(-LOG_TAIL_BYTES);
  });
  const exited = once(child, 'exit');
  const printed = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const found = pattern.exec(stdout);
        if (found === null) return;
        child.stdout?.off('data', check);
        child.off('exit', onExit);
        resolve(found);
      };
      const onExit = (code: number | null, signal: string | null) => {
        child.stdout?.off('data', check);
        reject(new Error(`exited (${signal ?? code}) before printing ${pattern}: ${stdout}`));
      };
      child.stdout?.on('data', check);
      child.once('exit', onExit);
      check();
      if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
    });
  await printed(/registered/).catch((err: Error) => {
    throw new Error(`executor ${err.message}${stderr}`);
  });
  const status = () =>
    child.exitCode !== null ? `code ${child.exitCode}` : child.signalCode !== null ? child.signalCode : null;
  return {
    pid: child.pid as number,
    exitStatus: status,
    logTail: () => stderr,
    printed,
    async stop(graceMs = 5000) {
      if (status() !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
