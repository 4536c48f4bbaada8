import { afterEach, describe, expect, it } from 'vitest';
import { createPrng, deriveSeed, type KillMode } from '../../faults/index.ts';
import { emitPayloadArgv, payloadSha256 } from '../../sim/payload.ts';
import type { Stack } from '../../sim/stack.ts';
import { consume, printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const BYTES = 6 * 1024 * 1024;
const KILLS = 5;
const MODES: readonly KillMode[] = ['clean', 'abrupt', 'halfOpen'];

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.dispose();
  stack = undefined;
});

describe('sockets killed during a transfer', () => {
  const cases = [
    { sockets: "the executor's socket is", roles: ['executor'] },
    { sockets: "the harness's socket is", roles: ['harness'] },
    { sockets: 'both sockets are', roles: ['executor', 'harness'] },
  ];
  for (const { sockets, roles } of cases) {
    it(`delivers every byte once when ${sockets} killed 5 times`, { timeout: 120_000 }, async () => {
      const live = await startRecordedStack({ seed });
      stack = live;
      const client = await live.harness();
      const prng = createPrng(deriveSeed(seed, `kills:${roles.join('+')}`));
      let received = 0;
      let kills = 0;
      // Kill at 1/6, 2/6, … of the output: progress needs every socket back, so kills are spaced by recoveries.
      const onBytes = (n: number) => {
        received += n;
        if (kills >= KILLS || received < ((kills + 1) * BYTES) / (KILLS + 1)) return;
        const open = live.proxy.connections().filter((c) => c.state === 'open');
        if (!roles.every((role) => open.some((c) => c.role === role))) return;
        const mode = MODES[prng.int(MODES.length)] as KillMode;
        for (const role of roles) live.proxy.killAll(mode, { role });
        kills++;
      };
      const handle = await client.exec(emitPayloadArgv(seed, BYTES, live.marker));
      const run = await consume(handle, { client, onBytes });
      expect(kills).toBe(KILLS);
      const killed = live.proxy.stats().kills;
      expect(killed.clean + killed.abrupt + killed.halfOpen).toBe(KILLS * roles.length);
      expect(run.status).toEqual({ exitCode: 0, signal: null });
      expect(run.bytes).toBe(BYTES);
      expect(run.sha256).toBe(payloadSha256(seed, BYTES));
      await live.noExecutorChildren();
      expect(live.executor.exitStatus()).toBeNull();
    });
  }
});
