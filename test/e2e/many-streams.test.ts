import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HarnessClient } from '../../harness/index.ts';
import type { SharedStackSocket } from '../../sim/stack.ts';
import { FAST_EXECUTOR_ARGS, type Stack } from '../../sim/stack.ts';
import { consume, printSeedOnFailure, sha256, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const SOCKETS = 20;
const STREAMS_PER_SOCKET = 10;

let stack: Stack;

beforeAll(async () => {
  stack = await startRecordedStack({ seed, executorArgs: [...FAST_EXECUTOR_ARGS, '--max-streams', '256'] });
});

afterAll(async () => {
  await stack?.dispose();
});

describe('many concurrent streams on one executor', () => {
  it('completes 200 short commands from 20 harness sockets, each output on its own stream', {
    timeout: 120_000,
  }, async () => {
    const sockets: SharedStackSocket[] = await Promise.all(
      Array.from({ length: SOCKETS }, () => stack.sharedSocket()),
    );
    const clients: HarnessClient[][] = await Promise.all(
      sockets.map((socket) => Promise.all(Array.from({ length: STREAMS_PER_SOCKET }, () => socket.client()))),
    );
    const streamIds = new Set(clients.flat().map((c) => c.streamId));
    expect(streamIds.size).toBe(SOCKETS * STREAMS_PER_SOCKET);
    const stats = await stack.worker.stats(stack.executorId);
    expect(stats.sockets).toEqual({ executor: 1, harness: SOCKETS });
    expect(stats.streams).toBe(SOCKETS * STREAMS_PER_SOCKET);

    await Promise.all(
      clients.flatMap((row, s) =>
        row.map(async (client, i) => {
          const text = `socket ${s} stream ${i} seed ${seed} ${'x'.repeat((s * 7 + i) % 50)}\n`;
          const handle = await client.exec(['sh', '-c', 'printf %s "$1"', stack.marker, text]);
          const run = await consume(handle);
          expect(run.status).toEqual({ exitCode: 0, signal: null });
          expect(run.sha256).toBe(sha256(text));
        }),
      ),
    );
    await Promise.all(sockets.map((socket) => socket.close()));
    await stack.noExecutorChildren();
    expect(stack.executor.exitStatus()).toBeNull();
  });
});
