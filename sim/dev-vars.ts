import { existsSync, readFileSync } from 'node:fs';

/** Reads KEY=VALUE lines (optional quotes, # comments) as wrangler's .dev.vars. */
export function readDevVar(file: string, name: string): string | undefined {
  if (!existsSync(file)) return undefined;
  for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!match || match[1] !== name) continue;
    const value = match[2] ?? '';
    const quoted = /^(["'])(.*)\1$/.exec(value);
    return quoted ? quoted[2] : value;
  }
  return undefined;
}
