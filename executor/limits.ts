import { base64Length } from '../rpc/index.ts';

/**
 * What a peer can make one executor hold, bounded (DESIGN.md §5, Limits).
 * Each limit has a `relaykit executor` flag of the same name in kebab case.
 */
export interface ExecutorLimits {
  /** The largest JSON-RPC message the executor parses, in bytes (see `readableMessageBytes` for what it reads at all). */
  maxMessageBytes: number;
  /** The most data one answer carries inline as base64: fs/readFile, a buffered http/request body. */
  maxInlineBytes: number;
  /** Stdin bytes one process has been given and not yet read. */
  maxStdinBytes: number;
  /** The same across every process of the executor. */
  maxStdinBytesTotal: number;
  /** Answer bytes one stream may have waiting for its send window before the executor stops taking its requests. */
  maxPendingReplyBytes: number;
  /** Answer bytes waiting for send windows across the executor; a large answer is produced only within it. */
  maxPendingReplyBytesTotal: number;
  /** Relay: bytes of unfinished messages held across every stream (reassembly), each segment counted with its overhead. */
  maxReassemblyBytes: number;
  /** Relay: segments one message may be cut into. */
  maxMessageSegments: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<ExecutorLimits> = {
  maxMessageBytes: 8 * MiB,
  maxInlineBytes: 4 * MiB,
  maxStdinBytes: 1 * MiB,
  maxStdinBytesTotal: 16 * MiB,
  maxPendingReplyBytes: 4 * MiB,
  maxPendingReplyBytesTotal: 16 * MiB,
  maxReassemblyBytes: 32 * MiB,
  maxMessageSegments: 16_384,
};

/**
 * The largest message the executor reads whole: twice max-message-bytes, so
 * that a request over the limit is answered with an error rather than its
 * stream reset. A relay message or local frame larger than this ends its
 * stream or connection.
 */
export const readableMessageBytes = (limits: ExecutorLimits) => 2 * limits.maxMessageBytes;

/** An answer's envelope around its result (or its base64 data), with room to spare. */
const ENVELOPE_BYTES = 64 * 1024;

/** The size of an answer whose result's JSON takes `resultBytes`. */
export const answerBytes = (resultBytes: number) => resultBytes + ENVELOPE_BYTES;

/** What `value` takes in an answer's JSON. */
export const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

/** The size of an answer carrying `bytes` of data as base64. */
export const inlineAnswerBytes = (bytes: number) => answerBytes(base64Length(bytes));

/** The data an answer of at most `size` bytes can carry as base64 (the inverse of inlineAnswerBytes). */
export const inlineBytesWithin = (size: number) => Math.max(0, Math.floor((size - ENVELOPE_BYTES) / 4) * 3);

/** The data one answer carries inline on a connection: `maxInlineBytes`, or less where its messages are smaller. */
export const inlineBytesOf = (limits: ExecutorLimits, maxAnswerBytes: number) =>
  Math.min(limits.maxInlineBytes, inlineBytesWithin(maxAnswerBytes));

/** Fills in defaults and refuses limits that contradict each other. */
export function resolveLimits(overrides: Partial<ExecutorLimits> = {}): ExecutorLimits {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`${name} must be a positive integer, got ${value}`);
    }
  }
  if (inlineAnswerBytes(limits.maxInlineBytes) > limits.maxMessageBytes) {
    throw new RangeError(
      `maxInlineBytes (${limits.maxInlineBytes}) in base64 must fit in maxMessageBytes (${limits.maxMessageBytes}): at most ${inlineBytesWithin(limits.maxMessageBytes)}`,
    );
  }
  if (limits.maxReassemblyBytes < readableMessageBytes(limits)) {
    throw new RangeError(
      `maxReassemblyBytes (${limits.maxReassemblyBytes}) must hold a message of twice maxMessageBytes (${readableMessageBytes(limits)})`,
    );
  }
  return limits;
}
