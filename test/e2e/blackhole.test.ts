import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SessionExpiredError } from '../../harness/index.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import { pollUntil } from '../../sim/poll.ts';
import { FAST_EXECUTOR_ARGS } from '../../sim/stack.ts';
import { consume, e2eProfiles, printSeedOnFailure, suiteSeed, useStack } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

/**
 * Streams are suspended after 3 × 200 ms of silence; a session survives 3 s
 * without its harness, and 8 s while the executor cannot reach the rendezvous.
 */
const HEARTBEAT_MS = 200;
const SUSPEND_AFTER_MS = 3 * HEARTBEAT_MS;
const SESSION_TTL_MS = 3000;
const OUTAGE_ALLOWANCE_MS = 8000;

const ticking = ['sh', '-c', 'while :; do echo tick; sleep 0.05; done'];

const relay = { stream: { heartbeatMs: HEARTBEAT_MS } };

describe.each(e2eProfiles())(
  'a blackhole between the endpoints and the rendezvous (%s)',
  (securityProfile) => {
    const live = useStack({
      seed,
      securityProfile,
      executorArgs: [
        ...FAST_EXECUTOR_ARGS,
        '--heartbeat-ms',
        String(HEARTBEAT_MS),
        '--session-ttl-ms',
        String(SESSION_TTL_MS),
        '--outage-allowance-ms',
        String(OUTAGE_ALLOWANCE_MS),
      ],
    });

    it('recovers every byte when it lasts longer than the heartbeat timeout but less than the session TTL', async () => {
      const bytes = 4 * 1024 * 1024;
      const client = await live.stack.harness({ relay });
      let received = 0;
      let holed = false;
      const handle = await client.exec(emitPayloadArgv(seed, bytes, live.stack.marker));
      const run = await consume(handle, {
        client,
        onBytes: (n) => {
          received += n;
          if (holed || received < bytes / 3) return;
          holed = true;
          live.stack.proxy.blackhole((SUSPEND_AFTER_MS + SESSION_TTL_MS) / 2);
        },
      });
      expect(holed).toBe(true);
      const holedStats = live.stack.proxy.stats();
      expect(holedStats.upstream.blackholed + holedStats.downstream.blackholed).toBeGreaterThan(0);
      expect(run.status).toEqual({ exitCode: 0, signal: null });
      expect(run.sha256).toBe(payloadSha256(seed, bytes));
      expect(client.resumeCount).toBe(0);
      await live.stack.noExecutorChildren();
    });

    it('ends the session when the harness stays away longer than the TTL: session-expired on the harness, processes killed', async () => {
      const client = await live.stack.harness({ relay });
      const handle = await client.exec([...ticking, live.stack.marker]);
      const iterator = handle[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      expect(await live.stack.executorChildren()).not.toEqual([]);
      live.stack.proxy.blackhole(SESSION_TTL_MS * 3, { role: 'harness' });
      // The executor gives the suspended session up after the TTL, while the blackhole still lasts.
      await live.stack.noExecutorChildren(SESSION_TTL_MS * 3);
      live.stack.proxy.endBlackholes();
      const drained = (async () => {
        for (;;) if ((await iterator.next()).done) return;
      })();
      await expect(drained).rejects.toBeInstanceOf(SessionExpiredError);
      await expect(handle.wait()).rejects.toThrow(/session-[0-9a-f]{12} expired/);
      expect(live.stack.executor.exitStatus()).toBeNull();
    });

    it('keeps the processes while the executor cannot reach the rendezvous for longer than the TTL', async () => {
      const client = await live.stack.harness({ relay });
      const handle = await client.exec([...ticking, live.stack.marker]);
      const iterator = handle[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      // The loop's shell, not a child it forked for `sleep` and caught before its exec (same args).
      const loops = async () => {
        const loopShells = (await live.stack.executorChildren()).filter((p) => p.args.includes('while'));
        const pids = new Set(loopShells.map((p) => p.pid));
        return loopShells.filter((p) => !pids.has(p.ppid)).map((p) => p.pid);
      };
      const running = await loops();
      const blackholed = () => {
        const stats = live.stack.proxy.stats();
        return stats.upstream.blackholed + stats.downstream.blackholed;
      };
      const before = blackholed();
      live.stack.proxy.blackhole(60_000, { role: 'executor' });
      await pollUntil('the executor socket to be cut off', () => blackholed() > before);
      await sleep(SESSION_TTL_MS * 2);
      live.stack.proxy.endBlackholes();
      // Output flows again once the outage is over: the session and its process outlived it.
      for (let ticks = 0; ticks < 20; ticks++) expect((await iterator.next()).done).toBe(false);
      expect(await loops()).toEqual(running);
      expect(client.resumeCount).toBe(0);
      await client.close();
      await live.stack.noExecutorChildren(SESSION_TTL_MS * 3);
    });

    it('ends the sessions when an executor outage outlasts the outage allowance', async () => {
      const client = await live.stack.harness({ relay });
      const handle = await client.exec([...ticking, live.stack.marker]);
      const iterator = handle[Symbol.asyncIterator]();
      expect((await iterator.next()).done).toBe(false);
      live.stack.proxy.blackhole(OUTAGE_ALLOWANCE_MS * 3, { role: 'executor' });
      await live.stack.noExecutorChildren(OUTAGE_ALLOWANCE_MS * 3);
      live.stack.proxy.endBlackholes();
      await expect(handle.wait()).rejects.toThrow(/session-[0-9a-f]{12} expired/);
      expect(live.stack.executor.exitStatus()).toBeNull();
    });
  },
);
