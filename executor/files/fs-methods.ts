import type { Stats } from 'node:fs';
import {
  cp,
  lstat,
  mkdir,
  readdir,
  readFile,
  realpath,
  rm,
  rmdir,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type FsCanonicalizeResult,
  type FsMetadataResult,
  type FsReadDirectoryResult,
  type FsReadFileResult,
  isBase64,
  pathToUri,
  type ValidatedParams,
} from '../../proto/rpc/index.ts';
import { invalidRequest } from '../rpc-error.ts';
import { onPath } from './fs-error.ts';

/** Upstream's cap on `fs/readFile`; larger files are read with `fs/open` + `fs/readBlock`. */
export const MAX_READ_FILE_BYTES = 512 * 1024 * 1024;

type Empty = Record<string, never>;

export async function fsReadFile({ path }: ValidatedParams<'fs/readFile'>): Promise<FsReadFileResult> {
  const data = await onPath(path, async () => {
    if ((await stat(path)).size > MAX_READ_FILE_BYTES) {
      throw invalidRequest(`file is too large to read: limit is ${MAX_READ_FILE_BYTES} bytes`);
    }
    return readFile(path);
  });
  return { dataBase64: data.toString('base64') };
}

export async function fsWriteFile(p: ValidatedParams<'fs/writeFile'>): Promise<Empty> {
  if (!isBase64(p.dataBase64)) {
    throw invalidRequest('fs/writeFile requires valid base64 dataBase64: not standard padded base64');
  }
  await onPath(p.path, () => writeFile(p.path, Buffer.from(p.dataBase64, 'base64')));
  return {};
}

/** Entries whose type cannot be read (a dangling link, a race with a delete) are left out, as upstream does. */
export async function fsReadDirectory({
  path,
}: ValidatedParams<'fs/readDirectory'>): Promise<FsReadDirectoryResult> {
  const names = await onPath(path, () => readdir(path));
  const entries = await Promise.all(
    names.sort().map(async (fileName) => {
      const target = await stat(join(path, fileName)).catch(() => null);
      return target && { fileName, isDirectory: target.isDirectory(), isFile: target.isFile() };
    }),
  );
  return { entries: entries.filter((entry) => entry !== null) };
}

/** Type, size and times of what a link points to; `isSymlink` of the path itself. */
export async function fsGetMetadata({ path }: ValidatedParams<'fs/getMetadata'>): Promise<FsMetadataResult> {
  return onPath(path, async () => {
    const target = await stat(path);
    const link = await lstat(path);
    return {
      isDirectory: target.isDirectory(),
      isFile: target.isFile(),
      isSymlink: link.isSymbolicLink(),
      size: target.size,
      createdAtMs: Math.floor(target.birthtimeMs),
      modifiedAtMs: Math.floor(target.mtimeMs),
    };
  });
}

export async function fsCreateDirectory(p: ValidatedParams<'fs/createDirectory'>): Promise<Empty> {
  await onPath(p.path, () => mkdir(p.path, { recursive: p.recursive ?? true }));
  return {};
}

/** Links are removed, not followed; a directory without `recursive` must be empty. */
export async function fsRemove(p: ValidatedParams<'fs/remove'>): Promise<Empty> {
  const force = p.force ?? true;
  await onPath(p.path, async () => {
    const found = await lstat(p.path).catch((err: NodeJS.ErrnoException) => {
      if (force && err.code === 'ENOENT') return null;
      throw err;
    });
    if (found === null) return;
    if (!found.isDirectory()) await unlink(p.path);
    else if (p.recursive ?? true) await rm(p.path, { recursive: true, force: true });
    else await rmdir(p.path);
  });
  return {};
}

function isCopyable(s: Stats): boolean {
  return s.isFile() || s.isDirectory() || s.isSymbolicLink();
}

/** Links are copied as links; a file overwrites its destination. */
export async function fsCopy(p: ValidatedParams<'fs/copy'>): Promise<Empty> {
  const { sourcePath: source, destinationPath: destination } = p;
  await onPath(source, async () => {
    const found = await lstat(source);
    if (!isCopyable(found)) {
      throw invalidRequest('fs/copy only supports regular files, directories, and symlinks');
    }
    if (found.isDirectory()) {
      if (!p.recursive)
        throw invalidRequest('fs/copy requires recursive: true when sourcePath is a directory');
      const from = await realpath(source);
      const to = resolve(destination);
      if (to === from || to.startsWith(`${from}/`)) {
        throw invalidRequest('fs/copy cannot copy a directory to itself or one of its descendants');
      }
    }
    await cp(source, destination, { recursive: true, verbatimSymlinks: true, force: true });
  });
  return {};
}

export async function fsCanonicalize({
  path,
}: ValidatedParams<'fs/canonicalize'>): Promise<FsCanonicalizeResult> {
  return { path: pathToUri(await onPath(path, () => realpath(path))) };
}
