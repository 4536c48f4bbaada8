import { z } from 'zod';

/**
 * Params schemas (validated at runtime on the executor) and result types of
 * every exec-server method and notification of DESIGN.md §5.
 */

const base64 = z.base64();
const nonNegativeInt = z.number().int().min(0);
const positiveInt = z.number().int().min(1);
/** Absolute path or `file:` URI; the executor resolves URIs. */
const path = z.string().min(1);

export const Signal = z.enum(['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']);
export type Signal = z.infer<typeof Signal>;

export const OutputStream = z.enum(['stdout', 'stderr', 'pty']);
export type OutputStream = z.infer<typeof OutputStream>;

// ── lifecycle ────────────────────────────────────────────────────────────
export const InitializeParams = z.object({
  clientName: z.string().min(1),
  resumeSessionId: z.uuid().optional(),
});
export type InitializeParams = z.infer<typeof InitializeParams>;
export interface InitializeResult {
  sessionId: string;
}

// ── processes ────────────────────────────────────────────────────────────
export const ProcessStartParams = z.object({
  processId: z.string().min(1).max(256),
  argv: z.array(z.string()).min(1, 'argv must not be empty'),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).optional(),
  tty: z.boolean(),
  pipeStdin: z.boolean().optional(),
  cols: positiveInt.max(10_000).optional(),
  rows: positiveInt.max(10_000).optional(),
});
export type ProcessStartParams = z.infer<typeof ProcessStartParams>;
export interface ProcessStartResult {
  processId: string;
}

export const ProcessReadParams = z.object({
  processId: z.string().min(1),
  afterSeq: nonNegativeInt.optional(),
  maxBytes: positiveInt.optional(),
  waitMs: nonNegativeInt.max(300_000).optional(),
});
export type ProcessReadParams = z.infer<typeof ProcessReadParams>;

export interface OutputChunk {
  seq: number;
  stream: OutputStream;
  /** base64 */
  chunk: string;
}
export interface ProcessReadResult {
  chunks: OutputChunk[];
  nextSeq: number;
  exited: boolean;
  exitCode: number | null;
  signal: string | null;
  closed: boolean;
}

export const ProcessWriteParams = z.object({
  processId: z.string().min(1),
  chunk: base64,
  writeId: z.string().min(1),
});
export type ProcessWriteParams = z.infer<typeof ProcessWriteParams>;
export type WriteStatus = 'accepted' | 'unknownProcess' | 'stdinClosed' | 'starting';
export interface ProcessWriteResult {
  status: WriteStatus;
}

export const ProcessIdParams = z.object({ processId: z.string().min(1) });
export type ProcessIdParams = z.infer<typeof ProcessIdParams>;

export const ProcessResizeParams = z.object({
  processId: z.string().min(1),
  cols: positiveInt.max(10_000),
  rows: positiveInt.max(10_000),
});
export type ProcessResizeParams = z.infer<typeof ProcessResizeParams>;

export const ProcessSignalParams = z.object({ processId: z.string().min(1), signal: Signal });
export type ProcessSignalParams = z.infer<typeof ProcessSignalParams>;

export interface ProcessTerminateResult {
  running: boolean;
}

// ── notifications (executor → harness) ───────────────────────────────────
export interface ProcessOutputNotification {
  processId: string;
  seq: number;
  stream: OutputStream;
  chunk: string;
}
export interface ProcessExitedNotification {
  processId: string;
  seq: number;
  exitCode: number | null;
  signal: string | null;
}
export interface ProcessClosedNotification {
  processId: string;
  seq: number;
}

// ── files ────────────────────────────────────────────────────────────────
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

// ── environment ──────────────────────────────────────────────────────────
export interface EnvironmentInfoResult {
  shell: { name: string; path: string };
  cwd: string;
  platform: string;
  capabilities: string[];
}

/** Every request method with its params schema (undefined = takes no params). */
export const RequestParams = {
  initialize: InitializeParams,
  'process/start': ProcessStartParams,
  'process/read': ProcessReadParams,
  'process/write': ProcessWriteParams,
  'process/closeStdin': ProcessIdParams,
  'process/resize': ProcessResizeParams,
  'process/signal': ProcessSignalParams,
  'process/terminate': ProcessIdParams,
  'fs/readFile': FsPathParams,
  'fs/writeFile': FsWriteFileParams,
  'fs/readDirectory': FsPathParams,
  'fs/getMetadata': FsPathParams,
  'fs/createDirectory': FsCreateDirectoryParams,
  'fs/remove': FsRemoveParams,
  'fs/copy': FsCopyParams,
  'environment/info': undefined,
} as const;

export type RequestMethod = keyof typeof RequestParams;

/** Result type of each request method. */
export interface RequestResults {
  initialize: InitializeResult;
  'process/start': ProcessStartResult;
  'process/read': ProcessReadResult;
  'process/write': ProcessWriteResult;
  'process/closeStdin': Record<string, never>;
  'process/resize': Record<string, never>;
  'process/signal': Record<string, never>;
  'process/terminate': ProcessTerminateResult;
  'fs/readFile': FsReadFileResult;
  'fs/writeFile': Record<string, never>;
  'fs/readDirectory': FsReadDirectoryResult;
  'fs/getMetadata': FsMetadataResult;
  'fs/createDirectory': Record<string, never>;
  'fs/remove': Record<string, never>;
  'fs/copy': Record<string, never>;
  'environment/info': EnvironmentInfoResult;
}

/** Params type of each request method (input side, for callers). */
export type RequestParamsOf<M extends RequestMethod> = (typeof RequestParams)[M] extends z.ZodType
  ? z.input<(typeof RequestParams)[M]>
  : undefined;

/** Notifications the executor sends. */
export interface ServerNotifications {
  'process/output': ProcessOutputNotification;
  'process/exited': ProcessExitedNotification;
  'process/closed': ProcessClosedNotification;
}

/** Notifications the harness sends. */
export const ClientNotifications = ['initialized'] as const;

export function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(RequestParams, method);
}

/**
 * Validates a request's params; returns a message naming the bad field on failure.
 */
export function validateParams(
  method: RequestMethod,
  params: unknown,
): { ok: true; value: unknown } | { ok: false; message: string } {
  const schema = RequestParams[method];
  if (schema === undefined) return { ok: true, value: params ?? {} };
  const r = (schema as z.ZodType).safeParse(params ?? {});
  if (r.success) return { ok: true, value: r.data };
  const issue = r.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(params)';
  return { ok: false, message: `invalid params for ${method}: ${field}: ${issue?.message ?? 'invalid'}` };
}
