import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import {
  type ExecutorTuning,
  type LocalExecutor,
  startLocalExecutor,
} from '../../executor/local-executor.ts';
import { silentLogger } from '../../executor/logger.ts';
import { TestClient } from './rpc-client.ts';

/**
 * In-process local-mode executors and clients, all torn down after each test
 * (which kills every process group the executor started).
 */
export function useExecutor() {
  const executors: LocalExecutor[] = [];
  const clients: TestClient[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const e of executors.splice(0)) await e.close();
  });

  return {
    async start(tuning: ExecutorTuning = {}): Promise<LocalExecutor> {
      const executor = await startLocalExecutor({ host: '127.0.0.1', port: 0 }, silentLogger(), tuning);
      executors.push(executor);
      return executor;
    },
    async connect(url: string): Promise<TestClient> {
      const client = await TestClient.connect(url);
      clients.push(client);
      return client;
    },
    /** A started executor and an initialized client on it. */
    async session(
      tuning: ExecutorTuning = {},
    ): Promise<{ executor: LocalExecutor; client: TestClient; sessionId: string }> {
      const executor = await this.start(tuning);
      const client = await this.connect(executor.url);
      const sessionId = await client.initialize();
      return { executor, client, sessionId };
    },
  };
}

/** A fresh scratch directory for each test (`dir.path`), removed after it. */
export function useScratchDir(prefix: string): { readonly path: string } {
  const dir = { path: '' };
  beforeEach(async () => {
    dir.path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterEach(async () => {
    await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}
