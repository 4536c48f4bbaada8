import { describe, expect, it } from 'vitest';
import { mintTicket, mintToken, parseTtl, verifyTicket, verifyToken } from '../../worker/tokens.ts';

const key = 'k'.repeat(40);
const now = 1_800_000_000;

describe('tokens and tickets', () => {
  it('verifies a token it minted and returns its role, executor id, subject and expiry', async () => {
    const token = await mintToken(key, {
      role: 'harness',
      executorId: 'e-1',
      ttlSeconds: 3600,
      subject: 'me',
      now,
    });
    expect(await verifyToken(key, token, now + 10)).toEqual({
      ok: true,
      claims: { role: 'harness', executorId: 'e-1', subject: 'me', expiresAt: now + 3600 },
    });
  });

  it('gives every token a distinct random subject unless one is given', async () => {
    const mint = () => mintToken(key, { role: 'harness', executorId: 'e', ttlSeconds: 60, now });
    const [a, b] = await Promise.all([mint(), mint()]);
    const subjects = await Promise.all(
      [a, b].map(async (t) => (await verifyToken(key, t, now)) as { claims: { subject: string } }),
    );
    expect(subjects[0]?.claims.subject).not.toBe(subjects[1]?.claims.subject);
  });

  it('reports an expired token as expired_token and a wrongly signed one as invalid_token', async () => {
    const token = await mintToken(key, { role: 'executor', executorId: 'e', ttlSeconds: 60, now });
    expect(await verifyToken(key, token, now + 61)).toMatchObject({ ok: false, code: 'expired_token' });
    expect(await verifyToken(`${key}x`, token, now)).toMatchObject({ ok: false, code: 'invalid_token' });
    // A changed first signature character always changes the signature's bytes.
    const signatureAt = token.lastIndexOf('.') + 1;
    const flipped = token[signatureAt] === 'A' ? 'B' : 'A';
    const forged = `${token.slice(0, signatureAt)}${flipped}${token.slice(signatureAt + 1)}`;
    expect(await verifyToken(key, forged, now)).toMatchObject({
      ok: false,
      code: 'invalid_token',
    });
    expect(await verifyToken(key, 'a.b.c', now)).toMatchObject({ ok: false, code: 'invalid_token' });
  });

  it('never accepts a token as a ticket or a ticket as a token', async () => {
    const token = await mintToken(key, { role: 'harness', executorId: 'e', ttlSeconds: 60, now });
    const ticket = await mintTicket(key, {
      role: 'harness',
      executorId: 'e',
      subject: 's',
      instance: '',
      ttlSeconds: 60,
      now,
    });
    expect(await verifyTicket(key, token, now)).toMatchObject({ ok: false, code: 'invalid_token' });
    expect(await verifyToken(key, ticket, now)).toMatchObject({ ok: false, code: 'invalid_token' });
    expect(await verifyTicket(key, ticket, now)).toMatchObject({
      ok: true,
      claims: { subject: 's', instance: '' },
    });
  });

  it('refuses to mint for an invalid executor id or a non-positive ttl', async () => {
    await expect(mintToken(key, { role: 'harness', executorId: 'a b', ttlSeconds: 60, now })).rejects.toThrow(
      /executor id/,
    );
    await expect(mintToken(key, { role: 'harness', executorId: 'e', ttlSeconds: 0, now })).rejects.toThrow(
      /ttl/,
    );
  });

  it('parses ttl durations in seconds, minutes, hours and days', () => {
    expect(parseTtl('90')).toBe(90);
    expect(parseTtl('90s')).toBe(90);
    expect(parseTtl('15m')).toBe(900);
    expect(parseTtl('24h')).toBe(86_400);
    expect(parseTtl('7d')).toBe(604_800);
    expect(parseTtl('0h')).toBeUndefined();
    expect(parseTtl('3x')).toBeUndefined();
    expect(parseTtl('')).toBeUndefined();
  });
});
