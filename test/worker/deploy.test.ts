import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rendezvousWranglerToml } from '../../cli/commands/init.ts';

const root = resolve(import.meta.dirname, '../..');

describe('wrangler configuration', () => {
  it('bundles the worker and its Durable Object binding with `wrangler deploy --dry-run`, offline', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'relaykit-dry-run-'));
    try {
      const output = execFileSync(
        join(root, 'node_modules/.bin/wrangler'),
        ['deploy', '--dry-run', '--outdir', outdir],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '' },
        },
      );
      expect(output).toMatch(/EXECUTOR_RELAY \(ExecutorRelay\)\s+Durable Object/);
      expect(existsSync(join(outdir, 'index.js'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });

  it('is what `relaykit init rendezvous` writes, but for the entry point', () => {
    expect(rendezvousWranglerToml('worker/index.ts')).toBe(readFileSync(join(root, 'wrangler.toml'), 'utf8'));
  });
});
