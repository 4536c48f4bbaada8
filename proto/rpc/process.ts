import { z } from 'zod';
import { base64, flag, optional, path, positiveInt, refused, sandbox, unsigned } from './schema.ts';

/** The `process/*` methods and notifications (DESIGN.md §5). */

/** What `process/signal` takes: upstream's `interrupt` and `closeStdin`, and relaykit's signal names. */
export const Signal = z.enum([
  'interrupt',
  'closeStdin',
  'SIGINT',
  'SIGTERM',
  'SIGKILL',
  'SIGHUP',
  'SIGQUIT',
  'SIGUSR1',
  'SIGUSR2',
]);
export type Signal = z.infer<typeof Signal>;

export const OutputStream = z.enum(['stdout', 'stderr', 'pty']);
export type OutputStream = z.infer<typeof OutputStream>;

/** Codex's shell environment policy (`ExecEnvPolicy`): every field required when the policy is given. */
export const EnvPolicy = z.object({
  inherit: z.enum(['all', 'core', 'none']),
  ignoreDefaultExcludes: z.boolean(),
  exclude: z.array(z.string()),
  set: z.record(z.string(), z.string()),
  includeOnly: z.array(z.string()),
});
export type EnvPolicy = z.infer<typeof EnvPolicy>;

const terminalSize = optional(positiveInt.max(10_000));

export const ProcessStartParams = z.object({
  processId: z.string().min(1).max(256),
  argv: z.array(z.string()).min(1, 'argv must not be empty'),
  /** relaykit: absent means the executor's own working directory. */
  cwd: optional(path),
  envPolicy: optional(EnvPolicy),
  /** relaykit: absent means the executor's environment (upstream requires the map). */
  env: optional(z.record(z.string(), z.string())),
  tty: z.boolean(),
  pipeStdin: flag,
  arg0: optional(z.string()),
  sandbox,
  enforceManagedNetwork: refused('cannot enforce managed networking'),
  networkProxy: refused('cannot launch a managed network proxy'),
  cols: terminalSize,
  rows: terminalSize,
});
export type ProcessStartParams = z.output<typeof ProcessStartParams>;
export interface ProcessStartResult {
  processId: string;
}

export const ProcessReadParams = z.object({
  processId: z.string().min(1),
  afterSeq: optional(unsigned),
  maxBytes: optional(unsigned),
  waitMs: optional(unsigned),
});

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
  /** An integer once exited (128+n for a death by signal n). */
  exitCode: number | null;
  /** relaykit: the signal name of a death by signal. */
  signal?: string | null;
  closed: boolean;
  failure?: string | null;
  sandboxDenied?: boolean;
}

export const ProcessWriteParams = z.object({
  processId: z.string().min(1),
  chunk: base64,
  writeId: z.string().min(1, 'writeId must not be empty'),
});
export type WriteStatus = 'accepted' | 'unknownProcess' | 'stdinClosed' | 'starting';
export interface ProcessWriteResult {
  status: WriteStatus;
}

export const ProcessIdParams = z.object({ processId: z.string().min(1) });

export const ProcessResizeParams = z.object({
  processId: z.string().min(1),
  cols: positiveInt.max(10_000),
  rows: positiveInt.max(10_000),
});

export const ProcessSignalParams = z.object({ processId: z.string().min(1), signal: Signal });

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

export const ProcessExitedNotification = z.object({
  processId: z.string(),
  seq,
  exitCode: z.number().int(),
  signal: optional(z.string()).transform((s) => s ?? null),
  sandboxDenied: optional(z.boolean()),
});

export const ProcessClosedNotification = z.object({ processId: z.string(), seq });
