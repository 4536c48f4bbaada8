/**
 * Opens executor and harness sockets on a worker under test through the real
 * registry API (token → register/connect → ticket URL → WebSocket).
 */
import type { ConnectRequest } from '../../proto/registry.ts';
import { pollUntil } from '../poll.ts';
import type { WorkerUnderTest } from '../worker-runner.ts';
import { openRelaySocket, type RelaySocket } from './socket.ts';

export async function openExecutor(
  worker: WorkerUnderTest,
  executorId: string,
  instance = 'instance-1',
): Promise<RelaySocket> {
  const token = await worker.mintToken('executor', executorId);
  const { url } = await worker.register(executorId, token, instance);
  return openRelaySocket(url);
}

/**
 * Opens a harness socket; pass the same `token` again to reconnect as the
 * same identity (and a harness key to reach a secure executor).
 */
export async function openHarness(
  worker: WorkerUnderTest,
  executorId: string,
  token?: string,
  request?: ConnectRequest,
): Promise<RelaySocket> {
  const harnessToken = token ?? (await worker.mintToken('harness', executorId));
  const { url } = await worker.connect(executorId, harnessToken, request);
  return openRelaySocket(url);
}

/** Polls `probe` until it returns true; fails after `timeoutMs`. */
export function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  return pollUntil('a condition', probe, timeoutMs, 20);
}
