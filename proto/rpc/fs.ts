import { z } from 'zod';
import { base64, path } from './schema.ts';

/** The `fs/*` methods (DESIGN.md §5). */
export const FsPathParams = z.object({ path });
export type FsPathParams = z.infer<typeof FsPathParams>;
export interface FsReadFileResult {
  dataBase64: string;
}
export const FsWriteFileParams = z.object({ path, dataBase64: base64 });
export type FsWriteFileParams = z.infer<typeof FsWriteFileParams>;
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
export const FsCreateDirectoryParams = z.object({ path, recursive: z.boolean().optional() });
export type FsCreateDirectoryParams = z.infer<typeof FsCreateDirectoryParams>;
export const FsRemoveParams = z.object({
  path,
  recursive: z.boolean().optional(),
  force: z.boolean().optional(),
});
export type FsRemoveParams = z.infer<typeof FsRemoveParams>;
export const FsCopyParams = z.object({
  sourcePath: path,
  destinationPath: path,
  recursive: z.boolean().optional(),
});
export type FsCopyParams = z.infer<typeof FsCopyParams>;
