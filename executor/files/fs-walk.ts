import { lstat, readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type FsWalkResult, pathToUri, type ValidatedParams } from '../../proto/rpc/index.ts';
import { answerBytes, jsonBytes } from '../limits.ts';
import type { MethodContext } from '../method-table.ts';
import { invalidRequest } from '../rpc-error.ts';
import { fsError, onPath } from './fs-error.ts';

/** Upstream's bounds of one walk. */
export const WALK_LIMITS = {
  depth: 64,
  directories: 10_000,
  entries: 50_000,
  responseBytes: 4 * 1024 * 1024,
};
/** What upstream counts per listed item on top of its path (and message). */
const ITEM_OVERHEAD_BYTES = 64;
/** The most a walk's reserved answer room grows by at once. */
const ROOM_STEP_BYTES = 1024 * 1024;

type Options = ValidatedParams<'fs/walk'>['options'];

function checkLimits(o: Options): void {
  if (o.maxDirectories === 0 || o.maxEntries === 0) {
    throw invalidRequest('filesystem walk limits must be greater than zero');
  }
  const { depth, directories, entries } = WALK_LIMITS;
  if (o.maxDepth > depth || o.maxDirectories > directories || o.maxEntries > entries) {
    throw invalidRequest(
      `filesystem walk limits exceed maximums: depth=${depth}, directories=${directories}, entries=${entries}`,
    );
  }
}

/**
 * Room for a large answer that grows item by item (see ReplyFlow): taken in
 * the answer's turn, then grown, in steps, ahead of what the items take.
 */
async function growingRoom(context: MethodContext): Promise<(item: object) => Promise<void>> {
  let room = answerBytes(0);
  let used = 0;
  await context.reserveReply(room);
  return async (item) => {
    used += jsonBytes(item) + 1;
    if (answerBytes(used) <= room) return;
    room = Math.max(answerBytes(used), room + Math.min(room, ROOM_STEP_BYTES));
    await context.reserveReply(room);
  };
}

/**
 * Upstream's walk: breadth first, names sorted per directory, links skipped
 * unless they lead to directories and may be followed, each directory
 * visited once, within the depth, directory, entry and answer-size limits
 * (`truncated` says one cut it short). A directory that cannot be read is an
 * error entry, not a failure. A large answer: made in its turn, within room
 * reserved as it grows.
 */
export async function fsWalk(
  { path, options }: ValidatedParams<'fs/walk'>,
  context: MethodContext,
): Promise<FsWalkResult> {
  checkLimits(options);
  const follow = options.followDirectorySymlinks;
  const outcome: FsWalkResult = { entries: [], errors: [], truncated: false };
  const [root, rootLink] = await onPath(path, () => Promise.all([stat(path), lstat(path)]));
  if (!root.isDirectory() || (rootLink.isSymbolicLink() && !follow)) return outcome;
  const hold = await growingRoom(context);

  let responseBytes = 0;
  const countItem = (bytes: number): boolean => {
    if (responseBytes + bytes + ITEM_OVERHEAD_BYTES > WALK_LIMITS.responseBytes) {
      outcome.truncated = true;
      return false;
    }
    responseBytes += bytes + ITEM_OVERHEAD_BYTES;
    return true;
  };
  const recordError = async (at: string, err: unknown): Promise<boolean> => {
    const uri = pathToUri(at);
    const { message } = fsError(err, at);
    if (!countItem(uri.length + message.length)) return false;
    const error = { path: uri, message };
    outcome.errors.push(error);
    await hold(error);
    return true;
  };

  const visited = new Set([follow ? await realpath(path) : path]);
  const queue: [string, number][] = [[path, 0]];
  let entries = 0;
  for (let next = 0; next < queue.length; next++) {
    const [directory, depth] = queue[next] as [string, number];
    let names: string[];
    try {
      names = (await readdir(directory)).sort();
    } catch (err) {
      if (!(await recordError(directory, err))) return outcome;
      continue;
    }
    for (const name of names) {
      if (entries === options.maxEntries) {
        outcome.truncated = true;
        return outcome;
      }
      entries++;
      const child = join(directory, name);
      // As upstream's directory listing: what cannot be stat'ed (a dangling link) is left out.
      const found = await Promise.all([stat(child), lstat(child)]).catch(() => null);
      if (found === null) continue;
      const [target, link] = found;
      if (link.isSymbolicLink() && (!follow || !target.isDirectory())) continue;
      const kind = target.isDirectory() ? 'directory' : target.isFile() ? 'file' : null;
      if (kind === null) continue;
      const uri = pathToUri(child);
      if (!countItem(uri.length)) return outcome;
      const entry: FsWalkResult['entries'][number] = { path: uri, kind };
      outcome.entries.push(entry);
      await hold(entry);
      if (kind !== 'directory' || depth >= options.maxDepth) continue;
      const identity = follow ? await realpath(child).catch((err: unknown) => err) : child;
      if (typeof identity !== 'string') {
        if (!(await recordError(child, identity))) return outcome;
        continue;
      }
      if (visited.has(identity)) continue;
      visited.add(identity);
      if (queue.length === options.maxDirectories) outcome.truncated = true;
      else queue.push([child, depth + 1]);
    }
  }
  return outcome;
}
