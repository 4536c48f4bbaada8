import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RegistryAnswer } from '../../proto/registry.ts';
import { dataFrame, resetReason, resumeFrame } from '../../sim/raw/frames.ts';
import { forwarded, useWorker } from './fixture.ts';

const relay = useWorker();

/** POST {worker}/cloud/environment/{id}/{action} as upstream's clients send it: a bearer token, and a body only when given. */
async function environmentCall(id: string, action: 'register' | 'connect', token: string, body?: string) {
  const response = await fetch(`${relay.worker.url}/cloud/environment/${id}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    ...(body !== undefined && { body }),
  });
  return { status: response.status, answer: (await response.json()) as RegistryAnswer };
}

describe("upstream's environment path family", () => {
  it('answers register and connect with the id as environment_id and as executor_id', async () => {
    const id = `env-${randomUUID()}`;
    const registered = await environmentCall(id, 'register', await relay.worker.mintToken('executor', id));
    const connected = await environmentCall(id, 'connect', await relay.worker.mintToken('harness', id));
    for (const [{ status, answer }, role] of [
      [registered, 'executor'],
      [connected, 'harness'],
    ] as const) {
      expect(status).toBe(200);
      expect(answer).toMatchObject({ environment_id: id, executor_id: id });
      expect(new URL(answer.url).searchParams.get('role')).toBe(role);
    }
  });

  it('takes a register without a body, as upstream sends it, as a new executor process every time', async () => {
    const id = `env-${randomUUID()}`;
    const token = await relay.worker.mintToken('executor', id);
    const first = await environmentCall(id, 'register', token);
    const second = await environmentCall(id, 'register', token);
    const instances = [first, second].map(({ answer }) => new URL(answer.url).searchParams.get('instance'));
    expect(instances[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(instances[1]).not.toBe(instances[0]);

    const executor = await relay.openSocket(first.answer.url);
    const connected = await environmentCall(id, 'connect', await relay.worker.mintToken('harness', id));
    const harness = await relay.openSocket(connected.answer.url);
    const stream = randomUUID();
    const claim = resumeFrame(stream, 0);
    harness.send(claim);
    expect(await forwarded(executor)).toEqual(claim);
    const reply = dataFrame(stream, 0);
    executor.send(reply);
    expect(await harness.nextFrame()).toEqual(reply);

    await relay.openSocket(second.answer.url);
    expect(resetReason(await harness.nextFrame())).toBe('executor_restarted');
  });
});
