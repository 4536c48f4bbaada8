import { describe, expect, it } from 'vitest';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import type { RendezvousTarget } from '../../registry/index.ts';
import { requestConnect } from '../../registry/index.ts';
import type { RpcClient } from '../../rpc/index.ts';
import { StaticIdentity } from '../../secure/index.ts';
import { RawHarness, SessionRefused } from '../../sim/attack/held-sessions.ts';
import { openRelaySocket, type RelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import { attackTarget, duringFlood } from './attack-support.ts';
import { e2eProfiles, printSeedOnFailure, suiteSeed, useStackPerTest } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);
const stacks = useStackPerTest(seed);

/** What process `processId` printed until it closed. */
async function outputOf(rpc: RpcClient, processId: string): Promise<string> {
  let text = '';
  let afterSeq = 0;
  for (;;) {
    const read = await rpc.request('process/read', { processId, afterSeq, waitMs: 5000 });
    for (const chunk of read.chunks) text += Buffer.from(chunk.chunk, 'base64').toString();
    afterSeq = read.nextSeq - 1;
    if (read.closed) return text;
  }
}

describe.each(e2eProfiles())('sessions and tickets belong to whoever got them (%s)', (securityProfile) => {
  const secure = securityProfile === SECURE_PROFILE;
  const key = () => (secure ? StaticIdentity.generate() : undefined);

  it("answers a resume of another harness's session as an unknown session id; its owner resumes it, and no log shows the id", async () => {
    const stack = await stacks.start({ securityProfile, executorLogLevel: 'debug' });
    const owner: RendezvousTarget = await attackTarget(stack);
    const ownerKey = key();
    const first = await RawHarness.open(owner, ownerKey);
    const { rpc, sessionId } = await first.session();
    const argv = ['sh', '-c', 'read line; echo "got $line"', stack.marker];
    await rpc.request('process/start', { processId: 'p', argv, tty: false, pipeStdin: true });
    await first.close();

    await duringFlood(stack, async () => {
      const thief = await RawHarness.open(await attackTarget(stack), key());
      const refused = await thief.session({ resumeSessionId: sessionId }).catch((err: SessionRefused) => err);
      await thief.close();
      console.info(`a resume of another harness's session: ${(refused as Error).message ?? 'resumed'}`);
      expect(refused).toBeInstanceOf(SessionRefused);
      expect(refused).toMatchObject({ code: -32600, message: `unknown session id ${sessionId}` });
    });

    const again = await RawHarness.open(owner, ownerKey);
    const resumed = await again.session({ resumeSessionId: sessionId });
    const chunk = Buffer.from('mine\n').toString('base64');
    await resumed.rpc.request('process/write', { processId: 'p', chunk, writeId: 'w-1' });
    expect(await outputOf(resumed.rpc, 'p')).toBe('got mine\n');
    await again.close();
    expect(stack.executor.logTail()).toContain('session');
    expect(stack.executor.logTail()).not.toContain(sessionId);
  });

  it('opens a harness ticket once: of three concurrent opens one socket opens, the others are refused', async () => {
    const stack = await stacks.start({ securityProfile });
    const harnessKey = key()?.publicKey.toJSON();
    const { url } = await requestConnect(
      await attackTarget(stack),
      harnessKey ? { harnessPublicKey: harnessKey } : {},
    );
    const opens = await duringFlood(stack, () =>
      Promise.allSettled([1, 2, 3].map(() => openRelaySocket(url))),
    );
    const opened = opens.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
    const refused = opens.flatMap((o) => (o.status === 'rejected' ? [o.reason as UpgradeRejected] : []));
    console.info(`three opens of one harness ticket: ${opened.length} opened`);
    expect(opened).toHaveLength(1);
    expect(refused.map((r) => [r.status, JSON.parse(r.body).error.code])).toEqual([
      [401, 'ticket_already_used'],
      [401, 'ticket_already_used'],
    ]);
    await Promise.all(opened.map((socket: RelaySocket) => socket.close()));
  });

  it("refuses a second open of the executor's ticket and keeps the executor's socket", async () => {
    const stack = await stacks.start({ securityProfile });
    const live = stack.proxy.connections().find((c) => c.role === 'executor' && c.state === 'open');
    if (live === undefined) throw new Error('the executor has no open socket');
    const reuse = await duringFlood(stack, () =>
      openRelaySocket(`${stack.proxy.wsUrl}${live.path}`).catch((err: unknown) => err),
    );
    console.info(
      `a second open of the executor's ticket: ${reuse instanceof UpgradeRejected ? reuse.status : 'opened'}`,
    );
    expect(reuse).toBeInstanceOf(UpgradeRejected);
    expect(reuse).toMatchObject({ status: 401 });
    expect(JSON.parse((reuse as UpgradeRejected).body).error.code).toBe('ticket_already_used');
    expect(stack.proxy.connections().find((c) => c.id === live.id)?.state).toBe('open');
  });
});
