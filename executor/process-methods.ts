import type {
  ProcessReadResult,
  ProcessStartResult,
  ProcessTerminateResult,
  ProcessWriteResult,
  ValidatedParams,
} from '../proto/rpc/index.ts';
import { inlineAnswerBytes } from './limits.ts';
import type { ManagedProcess } from './process/managed-process.ts';
import { invalidRequest } from './rpc-error.ts';
import type { Session } from './session.ts';

/** Default cap of one `process/read` answer (upstream has none; relaykit's answers stay well under a message). */
const DEFAULT_READ_MAX_BYTES = 1024 * 1024;
/** What a `process/read` answer takes around its chunks (its id, the exit, the flags), with room to spare. */
const READ_ENVELOPE_BYTES = 4 * 1024;
/** Longest long-poll of one `process/read`. */
const MAX_READ_WAIT_MS = 300_000;
/** Output a `process/read` answer carries without reserving room for it. */
const SMALL_READ_BYTES = 16 * 1024;

type Empty = Record<string, never>;

/** The process as upstream names its absence: unknown, or still starting. */
function existing(session: Session, processId: string): ManagedProcess {
  const proc = session.processes.get(processId);
  if (proc) return proc;
  throw invalidRequest(
    session.isStarting(processId) ? `process id ${processId} is starting` : `unknown process id ${processId}`,
  );
}

export async function startProcess(
  session: Session,
  params: ValidatedParams<'process/start'>,
): Promise<ProcessStartResult> {
  const proc = await session.start(params);
  return { processId: proc.processId };
}

/**
 * Output events; an answer carrying more than a little output is a large one
 * (made in its turn, within the pending-reply budget: see ReplyFlow), so a
 * peer that asks for the same output again and again holds one at a time.
 */
export function readProcess(
  session: Session,
  p: ValidatedParams<'process/read'>,
  reserveReply: (bytes: number) => Promise<void>,
  maxAnswerBytes: number,
): Promise<ProcessReadResult> {
  return existing(session, p.processId).read(
    p.afterSeq ?? 0,
    { maxBytes: p.maxBytes ?? DEFAULT_READ_MAX_BYTES, maxAnswerBytes: maxAnswerBytes - READ_ENVELOPE_BYTES },
    Math.min(p.waitMs ?? 0, MAX_READ_WAIT_MS),
    async (outputBytes) => {
      if (outputBytes > SMALL_READ_BYTES) await reserveReply(inlineAnswerBytes(outputBytes));
    },
  );
}

/** `accepted` once the bytes are within the stdin limits (a write may wait for the process to read; see StdinGate). */
export async function writeProcess(
  session: Session,
  processId: string,
  data: Buffer,
  writeId: string,
): Promise<ProcessWriteResult> {
  const proc = session.processes.get(processId);
  if (!proc) return { status: session.isStarting(processId) ? 'starting' : 'unknownProcess' };
  return { status: await proc.write(data, writeId) };
}

/** As upstream: a process that is unknown, starting or already exited takes no signal, and that is no error. */
export function signalProcess(session: Session, p: ValidatedParams<'process/signal'>): Empty {
  const proc = session.processes.get(p.processId);
  if (!proc?.running) return {};
  if (p.signal === 'closeStdin') proc.closeStdin();
  else proc.signal(p.signal === 'interrupt' ? 'SIGINT' : p.signal);
  return {};
}

export function terminateProcess(
  session: Session,
  p: ValidatedParams<'process/terminate'>,
): ProcessTerminateResult {
  const proc = session.processes.get(p.processId);
  return { running: proc ? proc.terminate() : false };
}

export function closeStdin(session: Session, p: ValidatedParams<'process/closeStdin'>): Empty {
  existing(session, p.processId).closeStdin();
  return {};
}

export function resizeProcess(session: Session, p: ValidatedParams<'process/resize'>): Empty {
  existing(session, p.processId).resize(p.cols, p.rows);
  return {};
}
