import { accessSync, constants, statSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** A process that could not be started; the message carries the OS reason. */
export class SpawnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SpawnError';
  }
}

/** A process that could not be started, named by its file, with the OS reason. */
export const spawnFailure = (file: string, err: unknown) => new SpawnError(`spawn ${file}: ${osReason(err)}`);

export function osReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return 'ENOENT: no such file or directory';
  if (e.code === 'EACCES') return 'EACCES: permission denied';
  if (e.code === 'ENOTDIR') return 'ENOTDIR: not a directory';
  return e.code ? `${e.code}: ${e.message}` : String(e.message ?? err);
}

export async function checkCwd(cwd: string): Promise<void> {
  try {
    const s = await stat(cwd);
    if (!s.isDirectory()) throw new SpawnError(`cwd ${cwd}: ENOTDIR: not a directory`);
  } catch (err) {
    if (err instanceof SpawnError) throw err;
    throw new SpawnError(`cwd ${cwd}: ${osReason(err)}`);
  }
}

/**
 * Finds the executable the way execvp would, so a missing binary is reported
 * before spawning (a PTY child would otherwise just print an error and exit 1).
 * Each candidate is looked at with a synchronous `stat` that returns nothing
 * for a missing file: a search along PATH costs a few microseconds per
 * directory instead of a thread-pool round trip and an error object each.
 */
export async function resolveExecutable(
  file: string,
  cwd: string,
  pathEnv: string | undefined,
): Promise<string> {
  const candidates = file.includes('/')
    ? [isAbsolute(file) ? file : resolve(cwd, file)]
    : (pathEnv ?? '/usr/local/bin:/usr/bin:/bin')
        .split(delimiter)
        .filter((dir) => dir.length > 0)
        .map((dir) => join(resolve(cwd, dir), file));
  let lastError: unknown = Object.assign(new Error('not found'), { code: 'ENOENT' });
  for (const candidate of candidates) {
    try {
      const found = statSync(candidate, { throwIfNoEntry: false });
      if (found === undefined) continue;
      accessSync(candidate, constants.X_OK);
      if (found.isFile()) return candidate;
    } catch (err) {
      lastError = err;
    }
  }
  throw spawnFailure(file, lastError);
}
