import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultProxy, startFaultProxy } from '../../faults/index.ts';
import { decoded, resumeFrame } from '../../sim/raw/frames.ts';
import { openRelaySocket, type RelaySocket } from '../../sim/raw/socket.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';

let worker: WorkerUnderTest;
let proxy: FaultProxy;
const sockets: RelaySocket[] = [];

async function registry(action: 'register' | 'connect', token: string, body?: unknown): Promise<string> {
  const response = await fetch(`${proxy.httpUrl}/cloud/executor/e1/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return ((await response.json()) as { url: string }).url;
}

async function open(url: string): Promise<RelaySocket> {
  const socket = await openRelaySocket(url);
  sockets.push(socket);
  return socket;
}

beforeAll(async () => {
  worker = await startWorker();
  proxy = await startFaultProxy({ target: worker.url, seed: 7 });
});

afterAll(async () => {
  for (const socket of sockets) socket.ws.terminate();
  await proxy?.close();
  await worker?.dispose();
});

describe('fault proxy in front of the real rendezvous', () => {
  it('routes registry calls and both endpoint sockets through the proxy, and passes its closes on', async () => {
    const executorToken = await worker.mintToken('executor', 'e1');
    const executorUrl = await registry('register', executorToken, { instance: 'i1' });
    expect(new URL(executorUrl).port).toBe(String(proxy.port));
    const executor = await open(executorUrl);
    const harness = await open(await registry('connect', await worker.mintToken('harness', 'e1')));
    expect(proxy.connections().map((c) => c.role)).toEqual(['executor', 'harness']);

    harness.send(resumeFrame('s-1', 1));
    const frame = decoded(await executor.nextFrame());
    expect(frame.streamId).toBe('s-1');
    expect(frame.body.case).toBe('resume');

    // A second executor socket replaces the first: the rendezvous' close reaches the old one.
    await open(await registry('register', executorToken, { instance: 'i1' }));
    expect(await executor.closed).toEqual({ code: 4000, reason: expect.any(String) });

    // Text is forwarded untouched, so the rendezvous rejects it itself.
    harness.send('not a frame');
    expect((await harness.closed).code).toBe(1003);
  });
});
