import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConnectAnswer, RegisterAnswer } from '../../proto/registry.ts';
import { StaticIdentity } from '../../secure/index.ts';
import { mintHarnessAuthorization } from '../../worker/harness-authorization.ts';
import { useWorker } from './fixture.ts';

const relay = useWorker();

const executorKey = StaticIdentity.generate().publicKey.toJSON();
const harnessKey = StaticIdentity.generate().publicKey.toJSON();
const secureBody = { security_profile: 'noise_hybrid_ik_v1', executor_public_key: executorKey };

async function call(
  id: string,
  action: 'register' | 'connect' | 'validate',
  role: 'executor' | 'harness',
  body?: unknown,
  family = 'executor',
) {
  const response = await fetch(`${relay.worker.url}/cloud/${family}/${id}/${action}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${await relay.worker.mintToken(role, id)}` },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, text, answer: JSON.parse(text) };
}

async function registered(id: string, body: object = { instance: 'proc-1', ...secureBody }) {
  const { status, answer } = await call(id, 'register', 'executor', body);
  expect(status).toBe(200);
  return answer as RegisterAnswer;
}

async function bundle(id: string): Promise<ConnectAnswer> {
  const { status, answer } = await call(id, 'connect', 'harness', { harness_public_key: harnessKey });
  expect(status).toBe(200);
  return answer;
}

describe('secure registrations', () => {
  it('answers a register with a key with the profile and a registration id, stable while the same process registers the same key', async () => {
    const id = `sec-${randomUUID()}`;
    const first = await registered(id);
    expect(first).toMatchObject({
      executor_id: id,
      environment_id: id,
      security_profile: 'noise_hybrid_ik_v1',
    });
    expect(first.executor_registration_id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await registered(id)).executor_registration_id).toBe(first.executor_registration_id);
    const restarted = await registered(id, { instance: 'proc-2', ...secureBody });
    expect(restarted.executor_registration_id).not.toBe(first.executor_registration_id);
    const rekeyed = await registered(id, {
      instance: 'proc-2',
      ...secureBody,
      executor_public_key: StaticIdentity.generate().publicKey.toJSON(),
    });
    expect(rekeyed.executor_registration_id).not.toBe(restarted.executor_registration_id);
  });

  it.each([
    ['an unknown field', { ...secureBody, comment: 'x' }, 'unknown field `comment`'],
    ['a key without a profile', { executor_public_key: executorKey }, 'security_profile'],
    ['another profile', { ...secureBody, security_profile: 'noise_ik_v2' }, 'security_profile'],
    ['a key with an unknown field', { ...secureBody, executor_public_key: { ...executorKey, x: 1 } }, 'x'],
    [
      'a 31-byte X25519 key',
      {
        ...secureBody,
        executor_public_key: { ...executorKey, x25519_public_key: Buffer.alloc(31).toString('base64') },
      },
      'X25519 public key length',
    ],
    [
      'the public key suite misspelt',
      {
        ...secureBody,
        executor_public_key: { ...executorKey, suite: 'Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256' },
      },
      'suite',
    ],
  ])('refuses a register body with %s (400)', async (_, body, reason) => {
    const { status, answer } = await call(`sec-${randomUUID()}`, 'register', 'executor', body);
    expect(status).toBe(400);
    expect(answer.error.message).toContain(reason);
  });
});

describe('connecting to a secure executor', () => {
  it('answers a harness key with the executor key, the registration and a short authorization', async () => {
    const id = `sec-${randomUUID()}`;
    const registration = await registered(id);
    const answer = await bundle(id);
    expect(answer).toMatchObject({
      executor_id: id,
      environment_id: id,
      security_profile: 'noise_hybrid_ik_v1',
      executor_public_key: executorKey,
      executor_registration_id: registration.executor_registration_id,
    });
    const authorization = answer.harness_key_authorization as string;
    expect(Buffer.byteLength(authorization)).toBeLessThanOrEqual(4096);
    const header = JSON.parse(Buffer.from(authorization.split('.')[0] as string, 'base64url').toString());
    expect(header).toEqual({ alg: 'HS256', typ: 'relaykit-harness-authorization+jwt' });
    expect(new URL(answer.url).searchParams.get('role')).toBe('harness');
  });

  it('refuses a harness without a key with 400, and asks to retry before the executor registered', async () => {
    const id = `sec-${randomUUID()}`;
    const early = await call(id, 'connect', 'harness', { harness_public_key: harnessKey });
    expect([early.status, early.answer.error.code]).toEqual([503, 'executor_not_registered']);
    await registered(id);
    const keyless = await call(id, 'connect', 'harness');
    expect([keyless.status, keyless.answer.error.code]).toEqual([400, 'harness_key_required']);
  });

  it('answers as before, with no secure fields, when the executor registered in cleartext', async () => {
    const id = `clear-${randomUUID()}`;
    const registration = await registered(id, { instance: 'proc-1' });
    expect(registration).not.toHaveProperty('security_profile');
    const answer = await bundle(id);
    expect(Object.keys(answer).sort()).toEqual(['environment_id', 'executor_id', 'url']);
  });
});

describe('validating a harness key authorization', () => {
  async function setUp() {
    const id = `sec-${randomUUID()}`;
    const registration = await registered(id);
    const answer = await bundle(id);
    const request = {
      executor_registration_id: registration.executor_registration_id,
      harness_public_key: harnessKey,
      harness_key_authorization: answer.harness_key_authorization,
    };
    return { id, request };
  }

  it('says valid for the bundle the registry handed out, under both path families', async () => {
    const { id, request } = await setUp();
    for (const family of ['executor', 'environment']) {
      const { status, answer } = await call(id, 'validate', 'executor', request, family);
      expect([status, answer]).toEqual([200, { valid: true }]);
    }
  });

  it('says invalid for another harness key, another registration, a forged or expired authorization', async () => {
    const { id, request } = await setUp();
    const expired = await mintHarnessAuthorization(
      relay.worker.signingKey,
      {
        harnessPublicKey: harnessKey,
        executorId: id,
        registrationId: request.executor_registration_id as string,
        harnessIdentity: 'h',
      },
      Math.floor(Date.now() / 1000) - 3600,
    );
    const forged = `${(request.harness_key_authorization as string).slice(0, -4)}AAAA`;
    for (const changed of [
      { harness_public_key: StaticIdentity.generate().publicKey.toJSON() },
      { executor_registration_id: randomUUID() },
      { harness_key_authorization: forged },
      { harness_key_authorization: expired },
    ]) {
      const { status, answer } = await call(id, 'validate', 'executor', { ...request, ...changed });
      expect([status, answer], JSON.stringify(Object.keys(changed))).toEqual([200, { valid: false }]);
    }
  });

  it('says invalid once the executor registered anew, so old bundles stop working', async () => {
    const { id, request } = await setUp();
    const restarted = await registered(id, { instance: 'proc-2', ...secureBody });
    const stale = await call(id, 'validate', 'executor', request);
    expect(stale.answer).toEqual({ valid: false });
    const current = { ...request, executor_registration_id: restarted.executor_registration_id };
    expect((await call(id, 'validate', 'executor', current)).answer).toEqual({ valid: false });
  });

  it('takes only executor tokens and well-formed bodies, and never echoes the authorization', async () => {
    const { id, request } = await setUp();
    const asHarness = await call(id, 'validate', 'harness', request);
    expect(asHarness.status).toBe(403);
    const incomplete = await call(id, 'validate', 'executor', { ...request, harness_public_key: undefined });
    expect(incomplete.status).toBe(400);
    const oversized = await call(id, 'validate', 'executor', {
      ...request,
      harness_key_authorization: 'a'.repeat(4097),
    });
    expect(oversized.status).toBe(400);
    for (const { text } of [asHarness, incomplete, oversized]) {
      expect(text).not.toContain(request.harness_key_authorization);
    }
  });
});
