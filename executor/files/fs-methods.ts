import { constants, type Stats } from 'node:fs';
import {
  cp,
  type FileHandle,
  lstat,
  mkdir,
  open,
  readdir,
  realpath,
  rm,
  rmdir,
  stat,
  unlink,
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
import { withBase64Json } from '../encoded-result.ts';
import { answerBytes, inlineAnswerBytes, inlineBytesOf, jsonBytes } from '../limits.ts';
import type { MethodContext } from '../method-table.ts';
import { internalError, invalidRequest } from '../rpc-error.ts';
import { READ_FLAGS } from './file-handles.ts';
import { kindOf } from './file-kind.ts';
import { onPath } from './fs-error.ts';

/** One read of `fs/readFile` takes at most this much; cancellation is checked between reads. */
const READ_CHUNK_BYTES = 1024 * 1024;
/** What a listed entry takes in its answer beside its name: `{"fileName":,"isDirectory":false,"isFile":false},`. */
const LISTED_ENTRY_BYTES = 49;
const WRITE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NONBLOCK;

type Empty = Record<string, never>;

const tooLarge = (limit: number) =>
  invalidRequest(
    `file is too large to read: limit is ${limit} bytes; read it with fs/open and fs/readBlock (max-inline-bytes, or what one message of this connection carries)`,
  );

/** The whole file, up to `limit` bytes (a file that grows past it while read fails too). */
async function readAll(handle: FileHandle, limit: number, signal: AbortSignal): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for (;;) {
    if (signal.aborted) throw internalError('fs/readFile stopped: its session or connection ended');
    const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit + 1 - size));
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
    if (bytesRead === 0) return Buffer.concat(parts, size);
    parts.push(chunk.subarray(0, bytesRead));
    size += bytesRead;
    if (size > limit) throw tooLarge(limit);
  }
}

/**
 * Regular files only, up to `max-inline-bytes` (upstream's cap is 512 MiB;
 * larger files and devices go through fs/open + fs/readBlock). The read is
 * made only once its answer has room, and stops when the session or the
 * connection ends.
 */
export async function fsReadFile(
  { path }: ValidatedParams<'fs/readFile'>,
  context: MethodContext,
): Promise<FsReadFileResult> {
  const limit = inlineBytesOf(context.limits, context.maxAnswerBytes);
  const data = await onPath(path, async () => {
    const handle = await open(path, READ_FLAGS);
    try {
      const found = await handle.stat();
      if (!found.isFile()) {
        throw invalidRequest(
          `fs/readFile reads regular files only: ${path} is ${kindOf(found)}; read it with fs/open and fs/readBlock`,
        );
      }
      if (found.size > limit) throw tooLarge(limit);
      await context.reserveReply(inlineAnswerBytes(Math.max(found.size, READ_CHUNK_BYTES)));
      return await readAll(handle, limit, context.signal);
    } finally {
      await handle.close();
    }
  });
  return withBase64Json({ dataBase64: data.toString('base64') }, 'dataBase64');
}

export async function fsWriteFile(p: ValidatedParams<'fs/writeFile'>): Promise<Empty> {
  if (!isBase64(p.dataBase64)) {
    throw invalidRequest('fs/writeFile requires valid base64 dataBase64: not standard padded base64');
  }
  const data = Buffer.from(p.dataBase64, 'base64');
  await onPath(p.path, async () => {
    const handle = await open(p.path, WRITE_FLAGS, 0o666);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  });
  return {};
}

/**
 * Entries whose type cannot be read (a dangling link, a race with a delete)
 * are left out, as upstream does. A large answer (see ReplyFlow): the
 * directory is read in its turn, and its entries are looked at once the
 * answer has room for all of them.
 */
export async function fsReadDirectory(
  { path }: ValidatedParams<'fs/readDirectory'>,
  context: MethodContext,
): Promise<FsReadDirectoryResult> {
  await context.reserveReply(answerBytes(0));
  const names = await onPath(path, () => readdir(path));
  await context.reserveReply(
    answerBytes(names.reduce((sum, name) => sum + jsonBytes(name) + LISTED_ENTRY_BYTES, 0)),
  );
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
