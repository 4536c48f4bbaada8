import { z } from 'zod';
import { base64, nonNegativeInt, positiveInt } from './schema.ts';

/** The `process/*` methods and notifications (DESIGN.md §5). */
export const Signal = z.enum(['SIGINT', 'SIGTERM', 'SIGKILL', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2']);
export type Signal = z.infer<typeof Signal>;

export const OutputStream = z.enum(['stdout', 'stderr', 'pty']);
export type OutputStream = z.infer<typeof OutputStream>;

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

/** Notification params (executor → harness), checked once where they arrive. */
const seq = z.number().int().min(1);
export const ProcessOutputNotification = z.object({
  processId: z.string(),
  seq,
  stream: OutputStream,
  /** base64 (not checked character by character: it is decoded leniently, and it is the bulk of every message). */
  chunk: z.string(),
});
export type ProcessOutputNotification = z.infer<typeof ProcessOutputNotification>;

export const ProcessExitedNotification = z.object({
  processId: z.string(),
  seq,
  exitCode: z.number().int().nullable(),
  signal: z
    .string()
    .nullable()
    .optional()
    .transform((s) => s ?? null),
});
export type ProcessExitedNotification = z.infer<typeof ProcessExitedNotification>;

export const ProcessClosedNotification = z.object({ processId: z.string(), seq });
export type ProcessClosedNotification = z.infer<typeof ProcessClosedNotification>;
