/** Spawns real executors (`relaykit executor`) for harness tests: local mode and relay mode. */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/relaykit.js', import.meta.url));

export interface SpawnedExecutor {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

export interface SpawnedRelayExecutor {
  stop(): Promise<void>;
}

/** Starts `relaykit executor` and resolves with the first stdout match of `ready`. */
async function spawnExecutor(
  args: string[],
  ready: RegExp,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ match: string; stop: () => Promise<void> }> {
  const child: ChildProcess = spawn(process.execPath, [BIN, 'executor', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  };
  const match = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const onData = (data: Buffer) => {
      seen += data.toString();
      const found = ready.exec(seen);
      if (found) {
        child.stdout?.off('data', onData);
        resolve(found[0]);
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`executor exited (${code}) before it was ready: ${seen}`)));
  });
  return { match, stop };
}

export async function spawnLocalExecutor(extraArgs: string[] = []): Promise<SpawnedExecutor> {
  const { match: url, stop } = await spawnExecutor(
    ['--listen', 'ws://127.0.0.1:0', ...extraArgs],
    /ws:\/\/127\.0\.0\.1:\d+/,
  );
  return { url, port: Number(new URL(url).port), stop };
}

/** A relay-mode executor registered with the rendezvous at `registryUrl`. */
export async function spawnRelayExecutor(
  registryUrl: string,
  executorId: string,
  token: string,
  extraArgs: string[] = [],
): Promise<SpawnedRelayExecutor> {
  const { stop } = await spawnExecutor(
    ['--registry', registryUrl, '--executor-id', executorId, ...extraArgs],
    /registered/,
    { ...process.env, RELAYKIT_EXECUTOR_TOKEN: token },
  );
  return { stop };
}
