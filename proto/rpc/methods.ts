import type { z } from 'zod';
import type { EnvironmentInfoResult, EnvironmentStatusResult } from './environment.ts';
import {
  type FsCanonicalizeResult,
  FsCloseParams,
  FsCopyParams,
  FsCreateDirectoryParams,
  type FsMetadataResult,
  FsOpenParams,
  type FsOpenResult,
  FsPathParams,
  FsReadBlockParams,
  type FsReadBlockResult,
  type FsReadDirectoryResult,
  type FsReadFileResult,
  FsRemoveParams,
  FsWalkParams,
  type FsWalkResult,
  FsWriteFileParams,
} from './fs.ts';
import { HttpRequestBodyDeltaNotification, HttpRequestParams, type HttpRequestResult } from './http.ts';
import { InitializeParams, type InitializeResult } from './lifecycle.ts';
import {
  ProcessClosedNotification,
  ProcessExitedNotification,
  ProcessIdParams,
  ProcessOutputNotification,
  ProcessReadParams,
  type ProcessReadResult,
  ProcessResizeParams,
  ProcessSignalParams,
  ProcessStartParams,
  type ProcessStartResult,
  type ProcessTerminateResult,
  ProcessWriteParams,
  type ProcessWriteResult,
} from './process.ts';

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
  'fs/canonicalize': FsPathParams,
  'fs/open': FsOpenParams,
  'fs/readBlock': FsReadBlockParams,
  'fs/close': FsCloseParams,
  'fs/walk': FsWalkParams,
  'http/request': HttpRequestParams,
  'environment/info': undefined,
  'environment/status': undefined,
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
  'fs/canonicalize': FsCanonicalizeResult;
  'fs/open': FsOpenResult;
  'fs/readBlock': FsReadBlockResult;
  'fs/close': Record<string, never>;
  'fs/walk': FsWalkResult;
  'http/request': HttpRequestResult;
  'environment/info': EnvironmentInfoResult;
  'environment/status': EnvironmentStatusResult;
}

/** Params type of each request method (input side, for callers). */
export type RequestParamsOf<M extends RequestMethod> = (typeof RequestParams)[M] extends z.ZodType
  ? z.input<(typeof RequestParams)[M]>
  : undefined;

/** Params of each request method as validation hands them to the executor (defaults applied, paths native). */
export type ValidatedParams<M extends RequestMethod> = (typeof RequestParams)[M] extends z.ZodType
  ? z.output<(typeof RequestParams)[M]>
  : Record<string, never>;

/** Every notification the executor sends, with its params schema. */
export const ServerNotificationParams = {
  'process/output': ProcessOutputNotification,
  'process/exited': ProcessExitedNotification,
  'process/closed': ProcessClosedNotification,
  'http/request/bodyDelta': HttpRequestBodyDeltaNotification,
} as const;

export type ServerNotificationMethod = keyof typeof ServerNotificationParams;

/** A notification from the executor, typed by its method. */
export type ServerNotification = {
  [M in ServerNotificationMethod]: { method: M; params: z.output<(typeof ServerNotificationParams)[M]> };
}[ServerNotificationMethod];

/** The notifications about one process, each carrying its `processId`. */
export type ProcessNotification = Extract<ServerNotification, { method: `process/${string}` }>;

/** The one notification the harness sends: after `initialize` was answered. */
export const INITIALIZED_NOTIFICATION = 'initialized';

export function isRequestMethod(method: string): method is RequestMethod {
  return Object.hasOwn(RequestParams, method);
}

function describeIssue(method: string, error: z.ZodError): string {
  const issue = error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(params)';
  return `invalid params for ${method}: ${field}: ${issue?.message ?? 'invalid'}`;
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
  return r.success ? { ok: true, value: r.data } : { ok: false, message: describeIssue(method, r.error) };
}

/**
 * Types one notification from the executor: `undefined` for a method this
 * side does not know (an executor may send more than it is asked for), an
 * error message for known params of the wrong shape.
 */
export function decodeServerNotification(
  method: string,
  params: unknown,
): { ok: true; notification: ServerNotification } | { ok: false; message: string } | undefined {
  if (!Object.hasOwn(ServerNotificationParams, method)) return undefined;
  const schema = ServerNotificationParams[method as ServerNotificationMethod] as z.ZodType;
  const r = schema.safeParse(params ?? {});
  if (!r.success) return { ok: false, message: describeIssue(method, r.error) };
  return { ok: true, notification: { method, params: r.data } as ServerNotification };
}
