import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  decodeKeyFile,
  encodeKeyFile,
  loadKeyFile,
  NOISE_SUITE,
  NoisePublicKey,
  SecureChannelError,
  StaticIdentity,
  saveKeyFile,
} from '../../secure/index.ts';
import { scriptedRandom } from './support.ts';

const identity = StaticIdentity.generate();
const wire = identity.publicKey.toJSON();

function failure(run: () => unknown): { code: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof SecureChannelError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'no error', message: '' };
}

describe('the public key JSON', () => {
  it('has upstream’s three fields in order, in padded standard base64', () => {
    expect(Object.keys(wire)).toEqual(['suite', 'x25519_public_key', 'mlkem768_public_key']);
    expect(wire.suite).toBe('Noise_hybridIK_X25519+MLKEM768_AESGCM_SHA256');
    expect(wire.x25519_public_key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(wire.mlkem768_public_key).toMatch(/^[A-Za-z0-9+/]{1579}=$/);
    expect(NoisePublicKey.parse(identity.publicKey.toString()).equals(identity.publicKey)).toBe(true);
    expect(JSON.parse(JSON.stringify({ key: identity.publicKey })).key).toEqual(wire);
  });

  it.each([
    ['an unknown field', { ...wire, comment: 'x' }, 'unknown field `comment`'],
    ['a missing field', { suite: wire.suite, x25519_public_key: wire.x25519_public_key }, 'missing field'],
    [
      'the hashed protocol name as suite',
      { ...wire, suite: 'Noise_hybridIK_25519+MLKEM768_AESGCM_SHA256' },
      'suite',
    ],
    ['base64 without padding', { ...wire, x25519_public_key: wire.x25519_public_key.slice(0, -1) }, 'X25519'],
    [
      'url-safe base64',
      { ...wire, mlkem768_public_key: Buffer.from(identity.publicKey.mlkem768).toString('base64url') },
      'ML-KEM',
    ],
    [
      'a non-canonical last character',
      { ...wire, x25519_public_key: `${wire.x25519_public_key.slice(0, 42)}B=` },
      'X25519',
    ],
    [
      'a 31-byte X25519 key',
      { ...wire, x25519_public_key: Buffer.alloc(31).toString('base64') },
      'X25519 public key length',
    ],
    [
      'a short ML-KEM key',
      { ...wire, mlkem768_public_key: Buffer.alloc(1183).toString('base64') },
      'ML-KEM-768 public key length',
    ],
    ['a number for a key', { ...wire, x25519_public_key: 5 }, 'X25519'],
    ['an array', [wire], 'not a JSON object'],
  ])('is rejected with %s', (_, value, reason) => {
    const { code, message } = failure(() => NoisePublicKey.fromJSON(value));
    expect(code).toBe('invalid_public_key');
    expect(message).toContain(reason);
  });

  it('names a key by a stable fingerprint of its canonical JSON', () => {
    expect(identity.publicKey.fingerprint()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(NoisePublicKey.parse(JSON.stringify(wire, null, 2)).fingerprint()).toBe(
      identity.publicKey.fingerprint(),
    );
    expect(StaticIdentity.generate().publicKey.fingerprint()).not.toBe(identity.publicKey.fingerprint());
  });
});

describe('a static identity', () => {
  it('is derived from a 32-byte X25519 key and a 64-byte ML-KEM seed drawn from the random source', () => {
    const seeds = ['11'.repeat(32), '22'.repeat(64)];
    const a = StaticIdentity.generate(scriptedRandom(...seeds));
    const b = new StaticIdentity(
      Buffer.from(seeds[0] as string, 'hex'),
      Buffer.from(seeds[1] as string, 'hex'),
    );
    expect(a.publicKey.equals(b.publicKey)).toBe(true);
  });
});

describe('the key file', () => {
  const dir = mkdtemp(join(tmpdir(), 'relaykit-keys-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('round-trips an identity and is written with mode 0600', async () => {
    const path = join(await dir, 'executor.key');
    await saveKeyFile(path, identity);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadKeyFile(path)).publicKey.equals(identity.publicKey)).toBe(true);
    const file = JSON.parse(await readFile(path, 'utf8'));
    expect(Object.keys(file)).toEqual(['suite', 'x25519_private_key', 'mlkem768_seed', 'public_key']);
    expect(file.suite).toBe(NOISE_SUITE);
  });

  it('keeps an existing file unless told to overwrite, and overwrites with mode 0600', async () => {
    const path = join(await dir, 'existing.key');
    await saveKeyFile(path, identity);
    await expect(saveKeyFile(path, StaticIdentity.generate())).rejects.toThrow(/EEXIST/);
    const replacement = StaticIdentity.generate();
    await chmod(path, 0o644);
    await saveKeyFile(path, replacement, { overwrite: true });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await loadKeyFile(path)).publicKey.equals(replacement.publicKey)).toBe(true);
  });

  it.skipIf(process.platform === 'win32')('refuses a file that group or others can read', async () => {
    const path = join(await dir, 'open.key');
    await writeFile(path, encodeKeyFile(identity), { mode: 0o644 });
    await chmod(path, 0o644);
    await expect(loadKeyFile(path)).rejects.toThrow(/chmod 600/);
  });

  it('names the path when the file is missing', async () => {
    const path = join(await dir, 'missing.key');
    await expect(loadKeyFile(path)).rejects.toMatchObject({
      code: 'invalid_key_file',
      message: expect.stringContaining(path),
    });
  });

  const good = JSON.parse(encodeKeyFile(identity));
  it.each([
    ['not JSON', 'x25519 = 1', 'not JSON'],
    ['an array', '[]', 'not a JSON object'],
    ['an unknown field', JSON.stringify({ ...good, note: 'x' }), 'unknown field `note`'],
    [
      'a missing seed',
      JSON.stringify({ ...good, mlkem768_seed: undefined }),
      'missing field `mlkem768_seed`',
    ],
    [
      'another suite',
      JSON.stringify({ ...good, suite: 'Noise_IK_25519_AESGCM_SHA256' }),
      'unsupported suite',
    ],
    ['bad base64', JSON.stringify({ ...good, x25519_private_key: 'not base64!' }), 'not standard base64'],
    [
      'a short seed',
      JSON.stringify({ ...good, mlkem768_seed: Buffer.alloc(32).toString('base64') }),
      '64 bytes',
    ],
    [
      'a public key of another identity',
      JSON.stringify({ ...good, public_key: StaticIdentity.generate().publicKey }),
      'does not match',
    ],
    [
      'a malformed public key',
      JSON.stringify({ ...good, public_key: { suite: NOISE_SUITE } }),
      '`public_key`',
    ],
  ])('is rejected when it holds %s', (_, text, reason) => {
    const { code, message } = failure(() => decodeKeyFile(text));
    expect(code).toBe('invalid_key_file');
    expect(message).toContain(reason);
  });
});
