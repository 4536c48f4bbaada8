import { z } from 'zod';
import { optional, path, sandbox, unsigned } from './schema.ts';

/** The `fs/*` methods (DESIGN.md §5). Every request may carry `sandbox: null`. */
export const FsPathParams = z.object({ path, sandbox });
export interface FsReadFileResult {
  dataBase64: string;
}
/** `dataBase64` is checked by the method (upstream answers bad base64 with -32600). */
export const FsWriteFileParams = z.object({ path, dataBase64: z.string(), sandbox });
export interface FsDirectoryEntry {
  fileName: string;
  isDirectory: boolean;
  isFile: boolean;
}
export interface FsReadDirectoryResult {
  entries: FsDirectoryEntry[];
}
export interface FsMetadataResult {
  isDirectory: boolean;
  isFile: boolean;
  isSymlink: boolean;
  size: number;
  createdAtMs: number;
  modifiedAtMs: number;
}
/** `recursive` defaults to true. */
export const FsCreateDirectoryParams = z.object({ path, recursive: optional(z.boolean()), sandbox });
/** `recursive` and `force` default to true. */
export const FsRemoveParams = z.object({
  path,
  recursive: optional(z.boolean()),
  force: optional(z.boolean()),
  sandbox,
});
export const FsCopyParams = z.object({
  sourcePath: path,
  destinationPath: path,
  recursive: z.boolean(),
  sandbox,
});
export interface FsCanonicalizeResult {
  /** A `file:` URI, symlinks resolved. */
  path: string;
}

/** File read handles: the client picks `handleId`; reads are positioned. */
export const FsOpenParams = z.object({ handleId: z.string(), path, sandbox });
export interface FsOpenResult {
  handleId: string;
}
export const FsReadBlockParams = z.object({ handleId: z.string(), offset: unsigned, len: unsigned });
export interface FsReadBlockResult {
  /** base64 */
  chunk: string;
  eof: boolean;
}
export const FsCloseParams = z.object({ handleId: z.string() });

/** `fs/walk`: a bounded breadth-first listing below `path`. */
export const FsWalkParams = z.object({
  path,
  options: z.object({
    maxDepth: unsigned,
    maxDirectories: unsigned,
    maxEntries: unsigned,
    followDirectorySymlinks: z.boolean(),
  }),
  sandbox,
});
export interface FsWalkResult {
  /** Paths are `file:` URIs. */
  entries: { path: string; kind: 'directory' | 'file' }[];
  /** Directories that could not be read. */
  errors: { path: string; message: string }[];
  /** A limit cut the walk short. */
  truncated: boolean;
}
