import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { RendezvousRejectedError } from '../../harness/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { requestConnect } from '../../registry/index.ts';
import { StaticIdentity } from '../../secure/index.ts';
import { pollUntil } from '../../sim/poll.ts';
import { dataFrame, resumeFrame } from '../../sim/raw/frames.ts';
import { openRelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import { mintTicket } from '../../worker/tokens.ts';
import { consume, e2eProfiles, printSeedOnFailure, sha256, suiteSeed, useStack } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

describe.each(e2eProfiles())('one harness cannot reach into another (%s)', (securityProfile) => {
  const live = useStack({ seed, securityProfile });

  const drops = async (reason: string) =>
    (await live.stack.worker.stats(live.stack.executorId)).drops[reason] ?? 0;

  it("drops a second harness's frames on a claimed stream id; the owner's process carries on", async () => {
    const owner = await live.stack.harness();
    const streamId = owner.streamId as string;
    const handle = await owner.exec(
      ['sh', '-c', 'read line; printf "got %s\\n" "$line"', live.stack.marker],
      {
        pipeStdin: true,
      },
    );
    const consumed = consume(handle);

    // A second harness identity with its own valid token and socket, through the proxy like everyone.
    const intruder = await requestConnect(
      {
        registryUrl: live.stack.registryUrl,
        executorId: live.stack.executorId,
        token: await live.stack.harnessToken(),
      },
      securityProfile === SECURE_PROFILE
        ? { harnessPublicKey: StaticIdentity.generate().publicKey.toJSON() }
        : {},
    );
    const socket = await openRelaySocket(intruder.url);
    const terminate = new TextEncoder().encode(
      JSON.stringify({ id: 1, method: 'process/terminate', params: { processId: handle.processId } }),
    );
    const dropsBefore = await drops('foreign_stream');
    socket.send(resumeFrame(streamId, 1));
    for (let seq = 1; seq <= 5; seq++) socket.send(dataFrame(streamId, seq, terminate));
    await pollUntil(
      'the foreign frames to be dropped',
      async () => (await drops('foreign_stream')) >= dropsBefore + 6,
    );
    expect(socket.pending()).toBe(0);

    await handle.write('still mine\n');
    await handle.closeStdin();
    const result = await consumed;
    expect(result.status).toEqual({ exitCode: 0, signal: null });
    expect(result.sha256).toBe(sha256('got still mine\n'));
    await socket.close();
    await live.stack.noExecutorChildren();
  });

  it('refuses an expired ticket and an expired token, leaving no socket or stream behind', async () => {
    const before = await live.stack.worker.stats(live.stack.executorId);
    const now = Math.floor(Date.now() / 1000);
    const ticket = await mintTicket(live.stack.worker.signingKey, {
      role: 'harness',
      executorId: live.stack.executorId,
      subject: randomUUID(),
      instance: '',
      ttlSeconds: 60,
      now: now - 3600,
    });
    const url = `${live.stack.proxy.wsUrl}/cloud/executor/${live.stack.executorId}/ws?role=harness&ticket=${ticket}`;
    const refused = await openRelaySocket(url).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UpgradeRejected);
    expect((refused as UpgradeRejected).status).toBe(401);
    expect((refused as UpgradeRejected).body).toMatch(/expired/);

    const expiredToken = await live.stack.harnessToken({ ttlSeconds: -10 });
    await expect(live.stack.harness({ token: expiredToken })).rejects.toBeInstanceOf(RendezvousRejectedError);

    const after = await live.stack.worker.stats(live.stack.executorId);
    expect(after.sockets).toEqual(before.sockets);
    expect(after.streams).toBe(before.streams);
    expect(live.stack.proxy.stats().connections.rejected).toBeGreaterThanOrEqual(1);
    await live.stack.noExecutorChildren();
  });
});
