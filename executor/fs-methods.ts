import { cp, lstat, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type FsCopyParams,
  type FsCreateDirectoryParams,
  type FsMetadataResult,
  type FsPathParams,
  type FsReadDirectoryResult,
  type FsReadFileResult,
  type FsRemoveParams,
  type FsWriteFileParams,
  RpcError,
  RpcErrorCode,
} from '../proto/rpc/index.ts';
import { invalidParams } from './rpc-error.ts';

/** An absolute path from an absolute path or a `file:` URI. */
function toLocalPath(value: string, field = 'path'): string {
  let path = value;
  if (value.startsWith('file:')) {
    try {
      path = fileURLToPath(value);
    } catch (err) {
      throw invalidParams(`${field}: invalid file URI: ${(err as Error).message}`);
    }
  }
  if (!isAbsolute(path))
    throw invalidParams(`${field}: must be an absolute path or a file: URI, got ${value}`);
  return path;
}

/** Maps an fs failure to -32004 (missing path) or -32603 with the OS reason. */
function fsError(err: unknown, path: string): RpcError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'ENOENT') return new RpcError(RpcErrorCode.NotFound, `no such file or directory: ${path}`);
  return new RpcError(
    RpcErrorCode.InternalError,
    `${path}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
  );
}

async function onPath<T>(path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw fsError(err, path);
  }
}

export async function fsReadFile(p: FsPathParams): Promise<FsReadFileResult> {
  const path = toLocalPath(p.path);
  const data = await onPath(path, () => readFile(path));
  return { dataBase64: data.toString('base64') };
}

export async function fsWriteFile(p: FsWriteFileParams): Promise<Record<string, never>> {
  const path = toLocalPath(p.path);
  await onPath(path, () => writeFile(path, Buffer.from(p.dataBase64, 'base64')));
  return {};
}

export async function fsReadDirectory(p: FsPathParams): Promise<FsReadDirectoryResult> {
  const path = toLocalPath(p.path);
  const entries = await onPath(path, () => readdir(path, { withFileTypes: true }));
  return {
    entries: entries
      .map((e) => ({ fileName: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() }))
      .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0)),
  };
}

export async function fsGetMetadata(p: FsPathParams): Promise<FsMetadataResult> {
  const path = toLocalPath(p.path);
  return onPath(path, async () => {
    const link = await lstat(path);
    // A symlink reports what it points to, and that it is a link.
    const target = link.isSymbolicLink() ? await stat(path) : link;
    return {
      isDirectory: target.isDirectory(),
      isFile: target.isFile(),
      isSymlink: link.isSymbolicLink(),
      size: target.size,
      createdAtMs: Math.floor(target.birthtimeMs || target.ctimeMs),
      modifiedAtMs: Math.floor(target.mtimeMs),
    };
  });
}

export async function fsCreateDirectory(p: FsCreateDirectoryParams): Promise<Record<string, never>> {
  const path = toLocalPath(p.path);
  await onPath(path, () => mkdir(path, { recursive: p.recursive ?? false }));
  return {};
}

export async function fsRemove(p: FsRemoveParams): Promise<Record<string, never>> {
  const path = toLocalPath(p.path);
  await onPath(path, () => rm(path, { recursive: p.recursive ?? false, force: p.force ?? false }));
  return {};
}

export async function fsCopy(p: FsCopyParams): Promise<Record<string, never>> {
  const source = toLocalPath(p.sourcePath, 'sourcePath');
  const destination = toLocalPath(p.destinationPath, 'destinationPath');
  await onPath(source, () =>
    cp(source, destination, { recursive: p.recursive ?? false, errorOnExist: false, force: true }),
  );
  return {};
}
