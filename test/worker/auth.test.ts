import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRelaySocket, UpgradeRejected } from '../../sim/raw/socket.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import { mintTicket, mintToken } from '../../worker/tokens.ts';

let worker: WorkerUnderTest;

beforeAll(async () => {
  worker = await startWorker();
});

afterAll(async () => {
  await worker?.dispose();
});

const now = () => Math.floor(Date.now() / 1000);

async function post(path: string, token?: string, body?: unknown) {
  const response = await fetch(`${worker.url}${path}`, {
    method: 'POST',
    headers: token === undefined ? {} : { Authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: string; message: string } },
  };
}

/** The HTTP status a WebSocket upgrade to `url` is refused with. */
async function upgradeStatus(url: string): Promise<number> {
  try {
    const socket = await openRelaySocket(url);
    await socket.close();
  } catch (err) {
    if (err instanceof UpgradeRejected) return err.status;
    throw err;
  }
  throw new Error(`upgrade to ${url} was accepted`);
}

describe('registry API authentication', () => {
  const cases: {
    name: string;
    action: 'register' | 'connect';
    token: () => Promise<string | undefined>;
    status: number;
    code: string;
  }[] = [];
  for (const action of ['register', 'connect'] as const) {
    const role = action === 'register' ? 'executor' : 'harness';
    const other = role === 'executor' ? 'harness' : 'executor';
    cases.push(
      { name: 'no token', action, token: async () => undefined, status: 401, code: 'missing_token' },
      {
        name: 'a token that is not a JWT',
        action,
        token: async () => 'not-a-token',
        status: 401,
        code: 'invalid_token',
      },
      {
        name: 'a token signed with another key',
        action,
        token: () =>
          mintToken(randomBytes(32).toString('hex'), { role, executorId: 'e1', ttlSeconds: 60, now: now() }),
        status: 401,
        code: 'invalid_token',
      },
      {
        name: 'an expired token',
        action,
        token: () => worker.mintToken(role, 'e1', { ttlSeconds: -5 }),
        status: 401,
        code: 'expired_token',
      },
      {
        name: 'a ticket instead of a token',
        action,
        token: () =>
          mintTicket(worker.signingKey, {
            role,
            executorId: 'e1',
            subject: 's',
            instance: 'i',
            ttlSeconds: 60,
            now: now(),
          }),
        status: 401,
        code: 'invalid_token',
      },
      {
        name: `a ${other} token`,
        action,
        token: () => worker.mintToken(other, 'e1'),
        status: 403,
        code: 'wrong_role',
      },
      {
        name: 'a token for another executor id',
        action,
        token: () => worker.mintToken(role, 'e2'),
        status: 403,
        code: 'wrong_executor',
      },
    );
  }

  it.each(cases)(
    '$action with $name answers $status $code, under both path families',
    async ({ action, token, status, code }) => {
      for (const family of ['executor', 'environment']) {
        const answer = await post(`/cloud/${family}/e1/${action}?instance=i1`, await token());
        expect(answer.status, family).toBe(status);
        expect(answer.body.error?.code).toBe(code);
        expect(answer.body.error?.message).toEqual(expect.any(String));
      }
    },
  );

  it('answers register with a ws URL to this deployment carrying the role, instance and a ticket', async () => {
    const token = await worker.mintToken('executor', 'exec_A-1');
    const answer = await worker.register('exec_A-1', token, 'proc-42');
    expect(answer.executor_id).toBe('exec_A-1');
    const url = new URL(answer.url);
    expect(`${url.protocol}//${url.host}${url.pathname}`).toBe(
      `${worker.url.replace('http:', 'ws:')}/cloud/executor/exec_A-1/ws`,
    );
    expect(url.searchParams.get('role')).toBe('executor');
    expect(url.searchParams.get('instance')).toBe('proc-42');
    expect(url.searchParams.get('ticket')).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('takes the executor instance from the query string as well as from the JSON body', async () => {
    const token = await worker.mintToken('executor', 'e1');
    const answer = await post('/cloud/executor/e1/register?instance=from-query', token);
    expect(answer.status).toBe(200);
    expect(new URL((answer.body as { url: string }).url).searchParams.get('instance')).toBe('from-query');
  });

  it('refuses register with an instance that is not 1-256 of [A-Za-z0-9_-] with 400 bad_instance', async () => {
    const token = await worker.mintToken('executor', 'e1');
    for (const instance of ['a b', '', 7]) {
      const answer = await post('/cloud/executor/e1/register', token, { instance });
      expect(answer.status, String(instance)).toBe(400);
      expect(answer.body.error?.code).toBe('bad_instance');
    }
  });

  it('answers 400 for executor ids that are empty, too long or have other characters', async () => {
    const token = await worker.mintToken('executor', 'e1');
    for (const id of ['', 'a'.repeat(257), 'a.b', 'a%20b', 'ä']) {
      const answer = await post(`/cloud/executor/${id}/register`, token, { instance: 'i' });
      expect(answer.status, id).toBe(400);
      expect(answer.body.error?.code).toBe('bad_executor_id');
    }
    const longest = 'a'.repeat(256);
    const ok = await post(
      `/cloud/executor/${longest}/register`,
      await worker.mintToken('executor', longest),
      {
        instance: 'i',
      },
    );
    expect(ok.status).toBe(200);
  });

  it('answers 404 for unknown paths and 405 for wrong methods, with JSON error bodies', async () => {
    const missing = await fetch(`${worker.url}/cloud/executor/e1/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const wrongMethod = await fetch(`${worker.url}/cloud/executor/e1/register`);
    expect(wrongMethod.status).toBe(405);
    expect(((await wrongMethod.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
    expect((await fetch(`${worker.url}/healthz`, { method: 'POST' })).status).toBe(405);
  });

  it('answers GET /healthz', async () => {
    const response = await fetch(`${worker.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
  });

  it('serves stats to executor and harness tokens of that executor id only, under both path families', async () => {
    for (const family of ['executor', 'environment']) {
      const path = `${worker.url}/cloud/${family}/e1/stats`;
      const get = async (token: string) => {
        const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
        return { status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const answer = await get(await worker.mintToken('executor', 'e1'));
      expect(answer.status, family).toBe(200);
      expect(answer.body).toMatchObject({
        executor_id: 'e1',
        frames: expect.any(Object),
        streams: expect.any(Number),
      });
      expect((await get(await worker.mintToken('harness', 'e1'))).status, family).toBe(200);
      expect((await get(await worker.mintToken('harness', 'e2'))).status, family).toBe(403);
      expect((await fetch(path)).status, family).toBe(401);
    }
  });
});

describe('WebSocket ticket checks', () => {
  it('refuses every bad ticket with the right status and connects nothing', async () => {
    const id = `exec-${randomUUID()}`;
    const wsBase = `${worker.url.replace('http:', 'ws:')}/cloud/executor/${id}/ws`;
    const executorTicket = new URL(
      (await worker.register(id, await worker.mintToken('executor', id), 'i1')).url,
    ).searchParams;
    const harnessTicket = new URL((await worker.connect(id, await worker.mintToken('harness', id))).url)
      .searchParams;
    const expiredTicket = await mintTicket(worker.signingKey, {
      role: 'harness',
      executorId: id,
      subject: 's',
      instance: '',
      ttlSeconds: 60,
      now: now() - 120,
    });
    const foreignTicket = await mintTicket(randomBytes(32).toString('hex'), {
      role: 'harness',
      executorId: id,
      subject: 's',
      instance: '',
      ttlSeconds: 60,
      now: now(),
    });
    const otherId = `exec-${randomUUID()}`;
    const otherTicket = new URL(
      (await worker.connect(otherId, await worker.mintToken('harness', otherId))).url,
    ).searchParams;
    const token = await worker.mintToken('harness', id);

    expect(await upgradeStatus(`${wsBase}?role=harness`)).toBe(401);
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=garbage`)).toBe(401);
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=${expiredTicket}`)).toBe(401);
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=${foreignTicket}`)).toBe(401);
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=${token}`)).toBe(401);
    // A ticket replayed for another executor id, or with another role.
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=${otherTicket.get('ticket')}`)).toBe(403);
    expect(
      await upgradeStatus(`${wsBase}?role=executor&instance=i1&ticket=${harnessTicket.get('ticket')}`),
    ).toBe(403);
    expect(await upgradeStatus(`${wsBase}?role=harness&ticket=${executorTicket.get('ticket')}`)).toBe(403);
    // An executor ticket with a different instance than it was issued for.
    expect(
      await upgradeStatus(`${wsBase}?role=executor&instance=i2&ticket=${executorTicket.get('ticket')}`),
    ).toBe(403);

    expect((await worker.stats(id)).sockets).toEqual({ executor: 0, harness: 0 });
    expect((await worker.stats(otherId)).sockets).toEqual({ executor: 0, harness: 0 });
  });

  it('refuses a plain GET on the socket endpoint with 426', async () => {
    const id = 'e1';
    const { url } = await worker.connect(id, await worker.mintToken('harness', id));
    const response = await fetch(url.replace('ws:', 'http:'));
    expect(response.status).toBe(426);
  });
});
