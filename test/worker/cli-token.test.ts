import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyToken } from '../../worker/tokens.ts';

const root = resolve(import.meta.dirname, '../..');
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function relaykit(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  const env: Record<string, string | undefined> = { ...process.env, ...opts.env };
  if (opts.env?.SIGNING_KEY === undefined) delete env.SIGNING_KEY;
  const result = spawnSync(process.execPath, [join(root, 'cli/main.ts'), ...args], {
    cwd: opts.cwd ?? root,
    env,
    encoding: 'utf8',
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-token-'));
  dirs.push(dir);
  return dir;
}

describe('relaykit token', () => {
  it('prints only a token for the role, executor id and ttl it was asked for', async () => {
    const before = nowSeconds();
    const out = relaykit(
      ['token', 'harness', '--executor-id', 'exec-1', '--ttl', '2h', '--signing-key', 'key-1'],
      {
        cwd: emptyDir(),
      },
    );
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const result = await verifyToken('key-1', out.stdout.trim(), nowSeconds());
    expect(result).toMatchObject({ ok: true, claims: { role: 'harness', executorId: 'exec-1' } });
    expect(result.ok && result.claims.expiresAt).toBeGreaterThanOrEqual(before + 7200);
  });

  it('takes the key from SIGNING_KEY, then from ./.dev.vars', async () => {
    const fromEnv = relaykit(['token', 'executor', '--executor-id', 'e'], {
      cwd: emptyDir(),
      env: { SIGNING_KEY: 'env-key' },
    });
    expect((await verifyToken('env-key', fromEnv.stdout.trim(), nowSeconds())).ok).toBe(true);

    const dir = emptyDir();
    writeFileSync(join(dir, '.dev.vars'), '# local secrets\nOTHER=1\nSIGNING_KEY="file-key"\n');
    const fromFile = relaykit(['token', 'executor', '--executor-id', 'e'], { cwd: dir });
    expect(fromFile.status).toBe(0);
    expect((await verifyToken('file-key', fromFile.stdout.trim(), nowSeconds())).ok).toBe(true);
  });

  it('fails with one line on stderr and nothing on stdout without a key or with a bad ttl or id', () => {
    for (const args of [
      ['token', 'harness', '--executor-id', 'e'],
      ['token', 'harness', '--executor-id', 'e', '--signing-key', 'k', '--ttl', 'soon'],
      ['token', 'harness', '--executor-id', 'bad id', '--signing-key', 'k'],
    ]) {
      const out = relaykit(args, { cwd: emptyDir() });
      expect(out.status).not.toBe(0);
      expect(out.stdout).toBe('');
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
      expect(out.stderr).toMatch(/^relaykit: /);
    }
  });
});
