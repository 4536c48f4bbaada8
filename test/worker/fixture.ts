import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { splitOwner } from '../../sim/raw/frames.ts';
import { openExecutor, openHarness } from '../../sim/raw/session.ts';
import { openRelaySocket, type RelaySocket } from '../../sim/raw/socket.ts';
import { type StartWorkerOptions, startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';

/**
 * One worker under Miniflare for the enclosing suite; every relay socket
 * opened through it is closed after each test.
 */
export function useWorker(options?: StartWorkerOptions) {
  let worker: WorkerUnderTest | undefined;
  const sockets: RelaySocket[] = [];
  const track = (socket: RelaySocket) => {
    sockets.push(socket);
    return socket;
  };

  beforeAll(async () => {
    worker = await startWorker(options);
  });
  afterEach(async () => {
    await Promise.all(sockets.splice(0).map((s) => s.close()));
  });
  afterAll(async () => {
    await worker?.dispose();
  });

  return {
    get worker(): WorkerUnderTest {
      if (worker === undefined) throw new Error('the worker starts in beforeAll');
      return worker;
    },
    async openExecutor(executorId: string, instance?: string): Promise<RelaySocket> {
      return track(await openExecutor(this.worker, executorId, instance));
    },
    /** A socket to a ticket URL the test got from the registry itself. */
    async openSocket(url: string): Promise<RelaySocket> {
      return track(await openRelaySocket(url));
    },
    /** Pass the same `token` again to reconnect as the same identity. */
    async openHarness(executorId: string, token?: string): Promise<RelaySocket> {
      return track(await openHarness(this.worker, executorId, token));
    },
  };
}

/** The next frame the executor's socket got, as its harness sent it: the owner field the rendezvous appended is checked and taken off. */
export async function forwarded(executor: RelaySocket): Promise<Uint8Array> {
  const { frame, owner } = splitOwner(await executor.nextFrame());
  expect(owner).toMatch(/^[0-9a-f-]{36}$/);
  return frame;
}
