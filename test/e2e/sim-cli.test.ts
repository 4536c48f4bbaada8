import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { SimReport } from '../../sim/run.ts';
import { runCli } from '../harness/executor-process.ts';
import { embeddedTimeline, printSeedOnFailure, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

describe('relaykit sim', () => {
  it('runs a small lossy simulation and reports an ok verdict as JSON', async () => {
    const args = ['sim', '--drop', '0.05', '--dup', '0.05', '--reorder', '0.05', '--streams', '2'];
    const { code, stdout, stderr } = await runCli([
      ...args,
      '--bytes',
      '256k',
      '--seed',
      String(seed),
      '--json',
    ]);
    expect(stderr).not.toMatch(/Error/);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as SimReport;
    expect(report.verdict).toBe('ok');
    expect(report.lostBytes).toBe(0);
    expect(report.duplicatedBytes).toBe(0);
    expect(report.settings).toMatchObject({
      drop: 0.05,
      dup: 0.05,
      reorder: 0.05,
      streams: 2,
      bytes: 262_144,
      seed,
    });
    expect(report.streams).toHaveLength(2);
    expect(report.streams.every((s) => s.exact && s.exitCode === 0)).toBe(true);
    expect(report.dataFrames.executor).toBeGreaterThan(0);
  });

  it('prints the report table for a named scenario', async () => {
    const { code, stdout } = await runCli([
      'sim',
      '--scenario',
      'clean',
      '--bytes',
      '64k',
      '--seed',
      String(seed),
    ]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/goodput\s+\S+/);
    expect(stdout).toMatch(/retransmissions\s+executor \d+ of \d+ data frames/);
    expect(stdout).toMatch(/lost bytes\s+0\n/);
    expect(stdout).toMatch(/verdict\s+ok/);
  });

  it('writes a self-contained timeline page with --timeline and says where', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relaykit-sim-'));
    try {
      const file = join(dir, 'pages', 'run.html');
      const { code, stderr } = await runCli([
        'sim',
        '--scenario',
        'lossy',
        '--bytes',
        '128k',
        '--seed',
        String(seed),
        '--timeline',
        file,
      ]);
      expect(code).toBe(0);
      expect(stderr).toContain(`timeline written to ${file}`);
      const timeline = embeddedTimeline(readFileSync(file, 'utf8'));
      expect(timeline.streams).toHaveLength(2);
      expect(timeline.meta).toMatchObject({ seed, verdict: 'ok' });
      expect(timeline.frames.some((f) => f.kind === 'data')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects a bad flag and an unknown scenario with one clear line', async () => {
    const bad = await runCli(['sim', '--drop', '1.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^relaykit sim: .*--drop <p>.* must be a probability in \[0, 1\]/);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const unknown = await runCli(['sim', '--scenario', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown scenario "nope"; one of: clean, lossy/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
  });
});
