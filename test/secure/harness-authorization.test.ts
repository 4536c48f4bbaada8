import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  AllowedHarnessKeys,
  authorizeHarnessLocally,
  formatTrustAnchor,
  Initiator,
  MAX_AUTHORIZATION_BYTES,
  parseTrustAnchor,
  Responder,
  relayPrologue,
  SecureChannelError,
  StaticIdentity,
  signHarnessAuthorization,
  verifyHarnessAuthorization,
} from '../../secure/index.ts';

const anchor = generateKeyPairSync('ed25519');
const otherAnchor = generateKeyPairSync('ed25519');
const harness = StaticIdentity.generate();
const executor = StaticIdentity.generate();
const now = new Date('2026-09-01T12:00:00Z');
const inAnHour = new Date('2026-09-01T13:00:00Z');

const grant = {
  harnessPublicKey: harness.publicKey,
  executorId: 'exec-1',
  registrationId: 'reg-1',
  expiresAt: inAnHour,
};
const request = (
  authorization: string,
  overrides: Partial<Parameters<typeof verifyHarnessAuthorization>[1]> = {},
) => ({
  authorization,
  harnessPublicKey: harness.publicKey,
  executorId: 'exec-1',
  registrationId: 'reg-1',
  now,
  ...overrides,
});
const token = signHarnessAuthorization(anchor.privateKey, grant);

describe('a harness authorization signed by a trust anchor', () => {
  it('is accepted for the key, executor and registration it names, before it expires', () => {
    expect(token.length).toBeLessThan(600);
    expect(verifyHarnessAuthorization([anchor.publicKey], request(token))).toEqual({ ok: true });
    expect(verifyHarnessAuthorization([otherAnchor.publicKey, anchor.publicKey], request(token))).toEqual({
      ok: true,
    });
  });

  it('with registration `*` is accepted for any registration of that executor', () => {
    const any = signHarnessAuthorization(anchor.privateKey, { ...grant, registrationId: '*' });
    expect(verifyHarnessAuthorization([anchor.publicKey], request(any, { registrationId: 'reg-9' }))).toEqual(
      { ok: true },
    );
  });

  it.each([
    ['at its expiry', request(token, { now: inAnHour }), 'expired'],
    [
      'for another harness key',
      request(token, { harnessPublicKey: StaticIdentity.generate().publicKey }),
      'wrong_harness_key',
    ],
    ['for another executor', request(token, { executorId: 'exec-2' }), 'wrong_executor'],
    ['for another registration', request(token, { registrationId: 'reg-2' }), 'wrong_registration'],
  ])('is refused %s', (_, req, reason) => {
    expect(verifyHarnessAuthorization([anchor.publicKey], req)).toEqual({ ok: false, reason });
  });

  it('is refused when signed by a key that is not an anchor', () => {
    const forged = signHarnessAuthorization(otherAnchor.privateKey, grant);
    expect(verifyHarnessAuthorization([anchor.publicKey], request(forged))).toEqual({
      ok: false,
      reason: 'bad_signature',
    });
  });

  it('is refused when its statement was altered after signing', () => {
    const [prefix, , signature] = token.split('.');
    const statement = Buffer.from(JSON.stringify({ ...decode(token), executor_id: 'exec-2' })).toString(
      'base64url',
    );
    const altered = `${prefix}.${statement}.${signature}`;
    const check = verifyHarnessAuthorization([anchor.publicKey], request(altered, { executorId: 'exec-2' }));
    expect(check).toEqual({ ok: false, reason: 'bad_signature' });
  });

  it.each([
    ['garbage', 'registry-opaque-token'],
    ['another prefix', token.replace(/^[^.]+/, 'other-v1')],
    ['a short signature', token.slice(0, -4)],
    ['padding in base64url', `${token}=`],
    ['an extra field', resign({ ...decode(token), scope: 'all' })],
    ['a fractional expiry', resign({ ...decode(token), expires_at: 1.5 })],
    ['an empty executor id', resign({ ...decode(token), executor_id: '' })],
  ])('is refused as malformed with %s', (_, authorization) => {
    expect(verifyHarnessAuthorization([anchor.publicKey], request(authorization))).toEqual({
      ok: false,
      reason: 'malformed',
    });
  });

  it('is refused as too long over 4096 bytes, before anything else', () => {
    const long = `${token}${'x'.repeat(MAX_AUTHORIZATION_BYTES)}`;
    expect(verifyHarnessAuthorization([anchor.publicKey], request(long))).toEqual({
      ok: false,
      reason: 'too_long',
    });
    const longIds = { ...grant, executorId: 'e'.repeat(2000), registrationId: 'r'.repeat(2000) };
    expect(() => signHarnessAuthorization(anchor.privateKey, longIds)).toThrow(
      expect.objectContaining({ code: 'authorization_too_long' }),
    );
  });

  it('rides in message 1 and is checked by the executor against the key the handshake authenticated', () => {
    const prologue = relayPrologue({ executorId: 'exec-1', registrationId: 'reg-1', streamId: 's-1' });
    const { message1 } = Initiator.start({
      identity: harness,
      executorPublicKey: executor.publicKey,
      prologue,
      authorization: token,
    });
    const pending = Responder.read({ identity: executor, prologue, message1 });
    const check = authorizeHarnessLocally(
      { trustAnchors: [anchor.publicKey] },
      { ...request(pending.authorization), harnessPublicKey: pending.harnessPublicKey },
    );
    expect(check).toEqual({ ok: true });
  });
});

describe('trust anchor keys', () => {
  it('are written and read as 32 raw bytes in base64', () => {
    const text = formatTrustAnchor(anchor.publicKey);
    expect(Buffer.from(text, 'base64').length).toBe(32);
    const parsed = parseTrustAnchor(`${text}\n`);
    expect(verifyHarnessAuthorization([parsed], request(token))).toEqual({ ok: true });
  });

  it('must be Ed25519 keys of the right kind', () => {
    expect(() => parseTrustAnchor('AAAA')).toThrow(expect.objectContaining({ code: 'invalid_trust_anchor' }));
    const x25519 = generateKeyPairSync('x25519');
    expect(() => signHarnessAuthorization(x25519.privateKey, grant)).toThrow(SecureChannelError);
    expect(() => formatTrustAnchor(anchor.privateKey)).toThrow(SecureChannelError);
  });
});

describe('the allowed harness keys file', () => {
  it('lets a listed key in without a token, and nothing else', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'relaykit-allowed-'));
    try {
      const path = join(dir, 'allowed.json');
      await writeFile(
        path,
        JSON.stringify([harness.publicKey, StaticIdentity.generate().publicKey], null, 2),
      );
      const allowedKeys = await AllowedHarnessKeys.load(path);
      expect(allowedKeys.size).toBe(2);
      expect(authorizeHarnessLocally({ allowedKeys }, request(''))).toEqual({ ok: true });
      const stranger = request(token, { harnessPublicKey: executor.publicKey });
      expect(authorizeHarnessLocally({ allowedKeys }, stranger)).toEqual({
        ok: false,
        reason: 'not_allowed',
      });
      expect(authorizeHarnessLocally({ allowedKeys, trustAnchors: [anchor.publicKey] }, stranger)).toEqual({
        ok: false,
        reason: 'wrong_harness_key',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['not JSON', '{', 'not JSON'],
    ['an object', '{}', 'JSON array'],
    [
      'an entry with an unknown field',
      JSON.stringify([{ ...harness.publicKey.toJSON(), name: 'ci' }]),
      'entry 0',
    ],
  ])('is refused when it is %s', (_, text, reason) => {
    expect(() => AllowedHarnessKeys.parse(text)).toThrow(
      expect.objectContaining({ code: 'invalid_allowed_keys', message: expect.stringContaining(reason) }),
    );
  });
});

function decode(authorization: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(authorization.split('.')[1] as string, 'base64url').toString());
}

/** Signs an arbitrary statement the way the real signer would, to test the parser past the signature. */
function resign(statement: Record<string, unknown>): string {
  const signed = `relaykit-harness-authorization-v1.${Buffer.from(JSON.stringify(statement)).toString('base64url')}`;
  return `${signed}.${sign(null, Buffer.from(signed), anchor.privateKey).toString('base64url')}`;
}
