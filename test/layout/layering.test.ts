/**
 * Keeps DESIGN.md §1 true: its level table is read here and every import of
 * every production file is checked against it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');

/** folder → level, from the `| level | folder | …` table of DESIGN.md §1. */
function levels(): Map<string, number> {
  const design = readFileSync(join(root, 'DESIGN.md'), 'utf8');
  const map = new Map<string, number>();
  for (const [, level, folders] of design.matchAll(/^\| (\d+) \| ([^|]+)\|/gm)) {
    for (const [, folder] of (folders as string).matchAll(/`([a-z]+)\/`/g))
      map.set(folder as string, Number(level));
  }
  return map;
}

function sourceFiles(): string[] {
  return execFileSync('git', ['ls-files', '-co', '--exclude-standard', '*.ts'], {
    cwd: root,
    encoding: 'utf8',
  })
    .split('\n')
    .filter(
      (f) => f !== '' && f.includes('/') && !f.startsWith('node_modules/') && !f.startsWith('proto/gen/'),
    );
}

const importPattern =
  /(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [...text.matchAll(importPattern)].map((m) => (m[1] ?? m[2]) as string);
}

const topFolder = (file: string) => file.split('/')[0] as string;

describe('the layering of DESIGN.md §1', () => {
  const table = levels();
  const files = sourceFiles();

  it('gives every folder with code a level', () => {
    const unplaced = [...new Set(files.map(topFolder))].filter((folder) => !table.has(folder));
    expect(unplaced).toEqual([]);
  });

  it('lets every file import only from its own folder or from folders on a lower level', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = topFolder(file);
      for (const spec of importsOf(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(root, resolve(root, dirname(file), spec));
        const to = topFolder(target);
        if (to === from) continue;
        if (!((table.get(to) ?? Number.POSITIVE_INFINITY) < (table.get(from) ?? 0)))
          upward.push(`${file} → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('keeps the worker free of Node-only code', () => {
    const nodeOnly = files
      .filter((f) => topFolder(f) === 'worker')
      .flatMap((f) =>
        importsOf(f)
          .filter((s) => s.startsWith('node:') || /^(ws|pino|node-pty)$/.test(s))
          .map((s) => `${f} → ${s}`),
      );
    expect(nodeOnly).toEqual([]);
  });

  it('keeps every module under 400 lines', () => {
    const long = files
      .filter((f) => !f.startsWith('test/'))
      .map((f) => [f, readFileSync(join(root, f), 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });
});
