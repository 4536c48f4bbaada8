import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import type { Stack } from '../../sim/stack.ts';
import { consume, printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const BYTES = 6 * 1024 * 1024;
const RESTARTS = 3;

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.dispose();
  stack = undefined;
});

/** Runs a transfer and calls `restart` at 1/4, 2/4 and 3/4 of the output; checks the output and the object starts. */
async function transferWithRestarts(live: Stack, restart: () => Promise<void>): Promise<void> {
  const client = await live.harness();
  const startsBefore = (await live.worker.stats(live.executorId)).object_starts;
  let received = 0;
  let restarts = 0;
  let restarting: Promise<void> = Promise.resolve();
  let restartPending = false;
  // A stall shows where it stopped: how far the output got and whether a restart never finished.
  onTestFailed(async () => {
    const stats = await live.worker.stats(live.executorId).catch((err: Error) => err.message);
    console.error(
      `  stalled at ${received} of ${BYTES} bytes after ${restarts} restarts (one pending: ${restartPending});`,
      `rendezvous: ${JSON.stringify(stats)}; proxy: ${JSON.stringify(live.proxy.connections())}`,
    );
  });
  const handle = await client.exec(emitPayloadArgv(seed, BYTES, live.marker));
  const run = await consume(handle, {
    client,
    onBytes: (n) => {
      received += n;
      if (restarts >= RESTARTS || received < ((restarts + 1) * BYTES) / (RESTARTS + 1)) return;
      restarts++;
      restarting = restarting.then(async () => {
        restartPending = true;
        await restart();
        restartPending = false;
      });
    },
  });
  await restarting;
  expect(restarts).toBe(RESTARTS);
  expect(run.status).toEqual({ exitCode: 0, signal: null });
  expect(run.bytes).toBe(BYTES);
  expect(run.sha256).toBe(payloadSha256(seed, BYTES));
  const stats = await live.worker.stats(live.executorId);
  expect(stats.object_starts).toBeGreaterThanOrEqual(startsBefore + RESTARTS);
  await live.noExecutorChildren();
  expect(live.executor.exitStatus()).toBeNull();
}

describe('the Durable Object restarted mid-transfer', () => {
  it('loses and duplicates nothing when the object is evicted three times (sockets hibernate)', async () => {
    const live = await startRecordedStack({ seed });
    stack = live;
    await transferWithRestarts(live, () => live.evictDurableObject());
  });

  it('loses and duplicates nothing across three deploys (object evicted, every socket dropped)', async () => {
    const live = await startRecordedStack({ seed });
    stack = live;
    await transferWithRestarts(live, async () => {
      await live.evictDurableObject();
      live.proxy.killAll('abrupt');
    });
  });
});
