import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RendezvousRejectedError, requestConnectUrl } from '../../harness/index.ts';
import { pollUntil } from '../../sim/poll.ts';
import { dataFrame, resumeFrame } from '../../sim/raw/frames.ts';
import { openRelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import type { Stack } from '../../sim/stack.ts';
import { mintTicket } from '../../worker/tokens.ts';
import { consume, printSeedOnFailure, sha256, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

let stack: Stack;

beforeAll(async () => {
  stack = await startRecordedStack({ seed });
});

afterAll(async () => {
  await stack?.dispose();
});

const drops = async (reason: string) => (await stack.worker.stats(stack.executorId)).drops[reason] ?? 0;

describe('one harness cannot reach into another', () => {
  it("drops a second harness's frames on a claimed stream id; the owner's process carries on", async () => {
    const owner = await stack.harness();
    const streamId = owner.streamId as string;
    const handle = await owner.exec(['sh', '-c', 'read line; printf "got %s\\n" "$line"', stack.marker], {
      pipeStdin: true,
    });
    const consumed = consume(handle);

    // A second harness identity with its own valid token and socket, through the proxy like everyone.
    const intruderUrl = await requestConnectUrl({
      registryUrl: stack.registryUrl,
      executorId: stack.executorId,
      token: await stack.harnessToken(),
    });
    const socket = await openRelaySocket(intruderUrl);
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
    await stack.noExecutorChildren();
  });

  it('refuses an expired ticket and an expired token, leaving no socket or stream behind', async () => {
    const before = await stack.worker.stats(stack.executorId);
    const now = Math.floor(Date.now() / 1000);
    const ticket = await mintTicket(stack.worker.signingKey, {
      role: 'harness',
      executorId: stack.executorId,
      subject: randomUUID(),
      instance: '',
      ttlSeconds: 60,
      now: now - 3600,
    });
    const url = `${stack.proxy.wsUrl}/cloud/executor/${stack.executorId}/ws?role=harness&ticket=${ticket}`;
    const refused = await openRelaySocket(url).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(UpgradeRejected);
    expect((refused as UpgradeRejected).status).toBe(401);
    expect((refused as UpgradeRejected).body).toMatch(/expired/);

    const expiredToken = await stack.harnessToken({ ttlSeconds: -10 });
    await expect(stack.harness({ token: expiredToken })).rejects.toBeInstanceOf(RendezvousRejectedError);

    const after = await stack.worker.stats(stack.executorId);
    expect(after.sockets).toEqual(before.sockets);
    expect(after.streams).toBe(before.streams);
    expect(stack.proxy.stats().connections.rejected).toBeGreaterThanOrEqual(1);
    await stack.noExecutorChildren();
  });
});
