import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HarnessClient } from '../../harness/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { requestConnect } from '../../registry/index.ts';
import { StaticIdentity } from '../../secure/index.ts';
import { holdSessions, RawHarness } from '../../sim/attack/held-sessions.ts';
import { churnStreams } from '../../sim/attack/stream-churn.ts';
import { pollUntil } from '../../sim/poll.ts';
import { resumeFrame } from '../../sim/raw/frames.ts';
import { openRelaySocket, type RelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import type { Stack } from '../../sim/stack.ts';
import { attackTarget, duringFlood } from './attack-support.ts';
import { e2eProfiles, printSeedOnFailure, suiteSeed, useStackPerTest } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);
const stacks = useStackPerTest(seed);

/** A harness ticket URL of a fresh identity (with a key for a secure executor). */
async function ticketUrl(stack: Stack): Promise<string> {
  const key =
    stack.securityProfile === SECURE_PROFILE
      ? { harnessPublicKey: StaticIdentity.generate().publicKey.toJSON() }
      : {};
  return (await requestConnect(await attackTarget(stack), key)).url;
}

async function echo(client: HarnessClient, marker: string, text: string): Promise<string> {
  const run = await client.run(['sh', '-c', 'printf %s "$1"', marker, text]);
  return Buffer.from(run.stdout).toString();
}

const claims = async (stack: Stack) => (await stack.worker.stats(stack.executorId)).streams;

describe.each(e2eProfiles())('one harness cannot starve the others (%s)', (securityProfile) => {
  const secure = securityProfile === SECURE_PROFILE;

  it('serves a newcomer while another harness holds as many sessions as one socket carries', async () => {
    const stack = await stacks.start({ securityProfile });
    const held = await duringFlood(stack, async () => {
      const sessions = await holdSessions(await attackTarget(stack), { count: 128, secure });
      const newcomer = await stack.harness();
      expect(await echo(newcomer, stack.marker, 'newcomer')).toBe('newcomer');
      await newcomer.close();
      return sessions;
    });
    console.info(`held sessions: ${held.opened} opened, refused ${JSON.stringify(held.refused)}`);
    expect(held.opened).toBe(64);
    await held.close();
  });

  it('keeps answering while another harness churns new stream ids as fast as its socket goes', async () => {
    const stack = await stacks.start({ securityProfile });
    const churn = await duringFlood(stack, async () => {
      const churning = churnStreams(await ticketUrl(stack), { durationMs: 6000, secure });
      const newcomer = await stack.harness();
      expect(await echo(newcomer, stack.marker, 'newcomer')).toBe('newcomer');
      await newcomer.close();
      return churning;
    });
    console.info(`churned ${churn.streams} stream ids; resets back: ${JSON.stringify(churn.resets)}`);
    expect(churn.resets.stream_rate_limit).toBeGreaterThan(0);
  });

  it('frees the claims of streams the executor never answered and of a harness that went away', async () => {
    const stack = await stacks.start({ securityProfile, workerVars: { CLAIM_TIMEOUT_SECONDS: '1' } });
    await duringFlood(stack, async () => {
      const base = await claims(stack);
      // resume{next_seq: 0} claims a stream at the rendezvous and opens nothing at the executor.
      const socket = await openRelaySocket(await ticketUrl(stack));
      for (let i = 0; i < 100; i++) socket.send(resumeFrame(randomUUID(), 0));
      await pollUntil('the claims', async () => (await claims(stack)) === base + 100);
      await pollUntil(
        'the unanswered claims to be freed',
        async () => (await claims(stack)) === base,
        15_000,
      );
      await socket.close();

      const gone = await RawHarness.open(
        await attackTarget(stack),
        secure ? StaticIdentity.generate() : undefined,
      );
      await Promise.all(Array.from({ length: 20 }, () => gone.session()));
      expect(await claims(stack)).toBe(base + 20);
      gone.abandon();
      stack.proxy.killAll('abrupt', (connection) => gone.owns(connection.path));
      await pollUntil(
        'the claims of the harness to be freed',
        async () => (await claims(stack)) === base,
        15_000,
      );
    });
  });

  it('says that the executor has no harness socket left, naming the limit, when all are taken', async () => {
    const stack = await stacks.start({ securityProfile, workerVars: { MAX_HARNESS_SOCKETS: '4' } });
    const taken: RelaySocket[] = [];
    const refusal = await duringFlood(stack, async () => {
      for (;;) {
        const opened = await openRelaySocket(await ticketUrl(stack)).catch((err: unknown) => err);
        if (opened instanceof UpgradeRejected) break;
        taken.push(opened as RelaySocket);
      }
      return stack.harness().catch((err: Error) => err);
    });
    expect(taken).toHaveLength(3);
    console.info(`a harness with every socket taken: ${(refusal as Error).message}`);
    expect((refusal as Error).message).toMatch(/already has 4 harness sockets \(limit 4\)/);
    await Promise.all(taken.map((socket) => socket.close()));
  });

  it('serves 200 clients of one shared socket, those beyond its streams waiting their turn', {
    timeout: 180_000,
  }, async () => {
    const stack = await stacks.start({ securityProfile });
    const outputs = await duringFlood(stack, async () => {
      const shared = await stack.sharedSocket();
      const done = await Promise.allSettled(
        Array.from({ length: 200 }, async (_, i) => {
          const client = await shared.client();
          try {
            return await echo(client, stack.marker, `client ${i}`);
          } finally {
            await client.close();
          }
        }),
      );
      await shared.close();
      return done;
    });
    const failed = outputs.filter((o) => o.status === 'rejected');
    console.info(
      `200 clients on one socket: ${200 - failed.length} served, ${failed.length} failed (${(failed[0] as PromiseRejectedResult | undefined)?.reason})`,
    );
    expect(outputs).toEqual(
      Array.from({ length: 200 }, (_, i) => ({ status: 'fulfilled', value: `client ${i}` })),
    );
  });
});
