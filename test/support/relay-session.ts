/**
 * Opens executor and harness sockets on a worker under test through the real
 * registry API (token → register/connect → ticket URL → WebSocket).
 */
import { openRelaySocket, type RelaySocket } from './relay-socket.ts';
import type { WorkerUnderTest } from './worker-harness.ts';

export async function openExecutor(
  worker: WorkerUnderTest,
  executorId: string,
  instance = 'instance-1',
): Promise<RelaySocket> {
  const token = await worker.mintToken('executor', executorId);
  const { url } = await worker.register(executorId, token, instance);
  return openRelaySocket(url);
}

/** Opens a harness socket; pass the same `token` again to reconnect as the same identity. */
export async function openHarness(
  worker: WorkerUnderTest,
  executorId: string,
  token?: string,
): Promise<RelaySocket> {
  const { url } = await worker.connect(executorId, token ?? (await worker.mintToken('harness', executorId)));
  return openRelaySocket(url);
}

/** Polls `probe` until it returns true; fails after `timeoutMs`. */
export async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
