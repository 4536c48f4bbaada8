import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CgroupContainment } from '../../executor/containment/cgroup-containment.ts';
import { spawnExecutor } from '../../sim/executor-process.ts';
import { pollUntil } from '../../sim/poll.ts';
import { processesWithMarker } from '../../sim/processes.ts';
import { FAST_EXECUTOR_ARGS, type Stack, startStack } from '../../sim/stack.ts';
import { printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

/** Whether this machine lets the executor create cgroups (root with a cgroup v2 hierarchy). */
async function cgroupsHere(): Promise<boolean> {
  const probe = CgroupContainment.create(`probe-${process.pid}`);
  if (typeof probe === 'string') return false;
  await probe.close();
  return true;
}
const MODES = (await cgroupsHere()) ? ['cgroup', 'process-group'] : ['process-group'];

let stack: Stack | undefined;
let stateDir = '';

beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'relaykit-state-'));
});

afterEach(async () => {
  await stack?.dispose();
  stack = undefined;
  await rm(stateDir, { recursive: true, force: true });
});

const executorArgs = (mode: string) => [
  ...FAST_EXECUTOR_ARGS,
  '--containment',
  mode,
  '--state-dir',
  stateDir,
  '--session-ttl-ms',
  '1000',
];

/** `sh -c` that starts an escaped child (its own session) carrying the marker, then runs `then`. */
const escaping = (marker: string, then: string) => [
  'sh',
  '-c',
  `setsid sh -c 'sleep 600; : ${marker}' & ${then}`,
  marker,
];

const noneLeft = (marker: string) =>
  pollUntil('every process of the run to end', async () => (await processesWithMarker(marker)).length === 0);

describe.each(MODES)('%s containment', (mode) => {
  it('ends a setsid descendant along with its process on process/terminate', async () => {
    stack = await startStack({ seed, executorArgs: executorArgs(mode) });
    const marker = stack.marker;
    const client = await stack.harness();
    const handle = await client.exec(escaping(marker, 'sleep 600'));
    await pollUntil('the escaped child', async () => (await processesWithMarker(marker)).length === 2);
    expect(await handle.terminate()).toBe(true);
    expect(await handle.wait()).toEqual({ exitCode: 143, signal: 'SIGTERM' });
    await noneLeft(marker);
  });

  it('reports the exit and the close while an escaped child still holds the pipes, and ends it with the session', async () => {
    stack = await startStack({ seed, executorArgs: executorArgs(mode) });
    const marker = stack.marker;
    const client = await stack.harness();
    // Were `closed` to wait for the escaped child, this would take ten minutes.
    const run = await client.run(escaping(marker, 'echo hi; exit 4'));
    expect(run.exitCode).toBe(4);
    expect(Buffer.from(run.stdout).toString()).toBe('hi\n');
    expect(await processesWithMarker(marker)).toHaveLength(1);
    await client.close();
    await noneLeft(marker);
  });

  it('has the next executor end what a killed one left running', async () => {
    stack = await startStack({ seed, executorArgs: executorArgs(mode) });
    const marker = stack.marker;
    const client = await stack.harness();
    await client.exec(['sh', '-c', 'sleep 600', marker]);
    await client.exec(escaping(marker, 'sleep 600'));
    await pollUntil('three processes', async () => (await processesWithMarker(marker)).length === 3);
    process.kill(stack.executor.pid, 'SIGKILL');
    await pollUntil('the executor to be gone', () => stack?.executor.exitStatus() === 'SIGKILL');
    expect(await processesWithMarker(marker)).toHaveLength(3);
    const next = await spawnExecutor({
      registryUrl: stack.registryUrl,
      executorId: stack.executorId,
      token: await stack.worker.mintToken('executor', stack.executorId),
      args: executorArgs(mode),
    });
    try {
      await noneLeft(marker);
    } finally {
      await next.stop();
    }
  });
});
