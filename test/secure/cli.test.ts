import { createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  formatTrustAnchor,
  loadKeyFile,
  NoisePublicKey,
  parseTrustAnchor,
  verifyHarnessAuthorization,
} from '../../secure/index.ts';
import { runCli as relaykit } from '../harness/executor-process.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relaykit-keygen-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('relaykit keygen and authorize-harness', () => {
  it('writes an identity key file only its owner can read and prints its public key', async () => {
    const path = join(dir, 'id.json');
    const made = await relaykit(['keygen', '--out', path]);
    expect(made.code).toBe(0);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    const identity = await loadKeyFile(path);
    expect(NoisePublicKey.parse(made.stdout).equals(identity.publicKey)).toBe(true);
    const again = await relaykit(['keygen', '--out', path]);
    expect([again.code, again.stderr]).toEqual([1, `relaykit: ${path} exists; pass --force to replace it\n`]);
    expect((await relaykit(['keygen', '--out', path, '--force'])).code).toBe(0);
    expect((await loadKeyFile(path)).publicKey.equals(identity.publicKey)).toBe(false);
  });

  it('makes a trust anchor whose signature over a harness key the executor side verifies', async () => {
    const anchorPath = join(dir, 'anchor.pem');
    const keyPath = join(dir, 'harness.json');
    const anchor = await relaykit(['keygen', '--trust-anchor', '--out', anchorPath]);
    expect(anchor.code).toBe(0);
    expect((await stat(anchorPath)).mode & 0o777).toBe(0o600);
    const anchorPublicKey = parseTrustAnchor(anchor.stdout);
    expect(formatTrustAnchor(anchorPublicKey)).toBe(anchor.stdout.trim());
    expect(createPrivateKey(await readFile(anchorPath, 'utf8')).asymmetricKeyType).toBe('ed25519');
    const harness = await relaykit(['keygen', '--out', keyPath]);
    const signed = await relaykit([
      'authorize-harness',
      '--anchor-key',
      anchorPath,
      '--harness-key',
      harness.stdout.trim(),
      '--executor-id',
      'exec-1',
      '--registration-id',
      'reg-1',
      '--ttl',
      '1h',
    ]);
    expect(signed.code).toBe(0);
    const request = {
      authorization: signed.stdout.trim(),
      harnessPublicKey: NoisePublicKey.parse(harness.stdout),
      executorId: 'exec-1',
      registrationId: 'reg-1',
      now: new Date(),
    };
    expect(verifyHarnessAuthorization([anchorPublicKey], request)).toEqual({ ok: true });
    expect(verifyHarnessAuthorization([anchorPublicKey], { ...request, registrationId: 'reg-2' })).toEqual({
      ok: false,
      reason: 'wrong_registration',
    });
  });

  it('refuses a harness key that is not one, with one line and exit code 2', async () => {
    const anchorPath = join(dir, 'anchor.pem');
    await relaykit(['keygen', '--trust-anchor', '--out', anchorPath]);
    const refused = await relaykit([
      'authorize-harness',
      '--anchor-key',
      anchorPath,
      '--harness-key',
      '{"suite":"x"}',
      '--executor-id',
      'exec-1',
    ]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^relaykit: --harness-key: invalid Noise channel public key: [^\n]+\n$/);
  });
});

describe('relaykit executor', () => {
  it('lists the security flags and the limit flags in its help', async () => {
    const help = await relaykit(['executor', '--help']);
    expect(help.code).toBe(0);
    for (const flag of ['--security-profile', '--key-file', '--trust-anchor', '--allowed-harness-keys']) {
      expect(help.stdout).toContain(flag);
    }
    for (const flag of ['--max-message-bytes', '--max-reassembly-bytes', '--max-pending-reply-bytes-total']) {
      expect(help.stdout).toContain(flag);
    }
  });

  it('refuses a key file without the secure profile, and limits that contradict each other, with one line and exit code 2', async () => {
    const remote = ['executor', '--registry', 'http://127.0.0.1:1', '--executor-id', 'x', '--token', 't'];
    const keyed = await relaykit([...remote, '--security-profile', 'cleartext', '--key-file', 'k.json']);
    expect(keyed).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^relaykit: .*need the secure profile\n$/),
    });
    const small = await relaykit([...remote, '--max-reassembly-bytes', '1000']);
    expect(small).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^relaykit: maxReassemblyBytes \(1000\) must hold a message of twice/),
    });
  });
});
