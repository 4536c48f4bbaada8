/** Runs the real `relaykit` binary for harness tests: executors (local and relay mode) and one-shot commands. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { type ExecutorProcess, RELAYKIT_BIN, spawnExecutor } from '../../sim/executor-process.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';

export const BIN = RELAYKIT_BIN;

export interface SpawnedExecutor {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export type SpawnedRelayExecutor = ExecutorProcess;

/** `relaykit executor --listen ws://127.0.0.1:0`; resolves once it printed its URL. */
export async function spawnLocalExecutor(extraArgs: string[] = []): Promise<SpawnedExecutor> {
  const child = spawn(
    process.execPath,
    [BIN, 'executor', '--log-level', 'warn', '--listen', 'ws://127.0.0.1:0', ...extraArgs],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (data: Buffer) => {
      seen += data.toString();
      const found = /ws:\/\/127\.0\.0\.1:\d+/.exec(seen);
      if (found) {
        child.stdout.off('data', onData);
        resolve(found[0]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`executor exited (${code}) before it was ready: ${seen}`)));
  });
  return { url, port: Number(new URL(url).port), stop };
}

/** A relay-mode executor registered with `worker` under `executorId`. */
export async function spawnRelayExecutor(
  worker: WorkerUnderTest,
  executorId: string,
): Promise<SpawnedRelayExecutor> {
  return spawnExecutor({
    registryUrl: worker.url,
    executorId,
    token: await worker.mintToken('executor', executorId),
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `relaykit ARGS…` to completion with `stdin` piped in and collects its
 * output; `command` is how relaykit is started (default: this repository's bin).
 */
export function runCli(
  args: string[],
  options: { stdin?: string; env?: NodeJS.ProcessEnv; command?: readonly string[] } = {},
): Promise<CliResult> {
  const [file, ...prefix] = options.command ?? [process.execPath, BIN];
  return new Promise((resolve, reject) => {
    const child = spawn(file as string, [...prefix, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: options.env ?? process.env,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
