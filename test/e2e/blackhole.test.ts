import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionExpiredError } from '../../harness/index.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import { FAST_EXECUTOR_ARGS, type Stack } from '../../sim/stack.ts';
import { consume, printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

/** Streams are suspended after 3 × 200 ms of silence; a session survives 3 s without its peer. */
const HEARTBEAT_MS = 200;
const SUSPEND_AFTER_MS = 3 * HEARTBEAT_MS;
const SESSION_TTL_MS = 3000;

let stack: Stack;

beforeAll(async () => {
  stack = await startRecordedStack({
    seed,
    executorArgs: [
      ...FAST_EXECUTOR_ARGS,
      '--heartbeat-ms',
      String(HEARTBEAT_MS),
      '--session-ttl-ms',
      String(SESSION_TTL_MS),
    ],
  });
});

afterAll(async () => {
  await stack?.dispose();
});

const relay = { stream: { heartbeatMs: HEARTBEAT_MS } };

describe('a blackhole between the endpoints and the rendezvous', () => {
  it('recovers every byte when it lasts longer than the heartbeat timeout but less than the session TTL', async () => {
    const bytes = 4 * 1024 * 1024;
    const client = await stack.harness({ relay });
    let received = 0;
    let holed = false;
    const handle = await client.exec(emitPayloadArgv(seed, bytes, stack.marker));
    const run = await consume(handle, {
      client,
      onBytes: (n) => {
        received += n;
        if (holed || received < bytes / 3) return;
        holed = true;
        stack.proxy.blackhole((SUSPEND_AFTER_MS + SESSION_TTL_MS) / 2);
      },
    });
    expect(holed).toBe(true);
    const holedStats = stack.proxy.stats();
    expect(holedStats.upstream.blackholed + holedStats.downstream.blackholed).toBeGreaterThan(0);
    expect(run.status).toEqual({ exitCode: 0, signal: null });
    expect(run.sha256).toBe(payloadSha256(seed, bytes));
    expect(client.resumeCount).toBe(0);
    await stack.noExecutorChildren();
  });

  it('ends the session when it outlasts the TTL: session-expired on the harness, processes killed', async () => {
    const client = await stack.harness({ relay });
    const handle = await client.exec(['sh', '-c', 'while :; do echo tick; sleep 0.05; done', stack.marker]);
    const iterator = handle[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    expect(await stack.executorChildren()).not.toEqual([]);
    stack.proxy.blackhole(SESSION_TTL_MS * 3);
    // The executor gives the suspended session up after the TTL, while the blackhole still lasts.
    await stack.noExecutorChildren(SESSION_TTL_MS * 3);
    const drained = (async () => {
      for (;;) if ((await iterator.next()).done) return;
    })();
    await expect(drained).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(handle.wait()).rejects.toThrow(/session .* expired/);
    expect(stack.executor.exitStatus()).toBeNull();
  });
});
