import type { OutputStream } from '../../proto/rpc/index.ts';
import { base64Length } from '../../rpc/index.ts';

export interface LoggedChunk {
  seq: number;
  stream: OutputStream;
  data: Buffer;
}

export interface LogSlice {
  chunks: LoggedChunk[];
  /** One past the last seq this slice accounts for: the next read passes `afterSeq = nextSeq - 1`. */
  nextSeq: number;
}

/** How much one read takes: output bytes, and the size of the chunks as an answer carries them. */
export interface ReadBounds {
  maxBytes: number;
  /** The chunks' share of the answer: base64 data and JSON around each (default: unbounded). */
  maxAnswerBytes?: number;
}

/** One chunk in an answer: its base64 and `{"seq":…,"stream":"stdout","chunk":""},` with room to spare. */
const chunkAnswerBytes = (c: LoggedChunk) => base64Length(c.data.length) + 64;

/** Thrown when a reader asks for output that was evicted from the retained window. */
export class EvictedOutputError extends Error {
  readonly firstRetainedSeq: number;

  constructor(afterSeq: number, evictedThroughSeq: number) {
    super(`output after seq ${afterSeq} is no longer retained (evicted through seq ${evictedThroughSeq})`);
    this.name = 'EvictedOutputError';
    this.firstRetainedSeq = evictedThroughSeq + 1;
  }
}

/**
 * The seq-numbered history of one process: output chunks kept up to a byte
 * limit (oldest evicted first) plus the seqs taken by `exited` and `closed`.
 * One counter, starting at 1, shared by all three kinds of event.
 */
export class OutputLog {
  readonly #limitBytes: number;
  /** Retained chunks from `#head` on; the slots before it are emptied as chunks are evicted. */
  #chunks: (LoggedChunk | undefined)[] = [];
  #head = 0;
  #retainedBytes = 0;
  #lastSeq = 0;
  #evictedThroughSeq = 0;

  constructor(limitBytes: number) {
    this.#limitBytes = limitBytes;
  }

  get retainedBytes(): number {
    return this.#retainedBytes;
  }

  appendOutput(stream: OutputStream, data: Buffer): LoggedChunk {
    const chunk: LoggedChunk = { seq: ++this.#lastSeq, stream, data };
    this.#chunks.push(chunk);
    this.#retainedBytes += data.length;
    this.#evict();
    return chunk;
  }

  /** Takes the next seq for a non-output event (`exited`, `closed`). */
  takeSeq(): number {
    return ++this.#lastSeq;
  }

  /**
   * Retained chunks after `afterSeq`, within `bounds` (always at least one
   * chunk when any is pending).
   */
  read(afterSeq: number, { maxBytes, maxAnswerBytes = Number.POSITIVE_INFINITY }: ReadBounds): LogSlice {
    if (afterSeq < this.#evictedThroughSeq) throw new EvictedOutputError(afterSeq, this.#evictedThroughSeq);
    const chunks: LoggedChunk[] = [];
    let bytes = 0;
    let answerBytes = 0;
    for (let i = this.#head; i < this.#chunks.length; i++) {
      const c = this.#chunks[i] as LoggedChunk;
      if (c.seq <= afterSeq) continue;
      const cost = chunkAnswerBytes(c);
      if (chunks.length > 0 && (bytes + c.data.length > maxBytes || answerBytes + cost > maxAnswerBytes)) {
        return { chunks, nextSeq: c.seq };
      }
      chunks.push(c);
      bytes += c.data.length;
      answerBytes += cost;
    }
    return { chunks, nextSeq: this.#lastSeq + 1 };
  }

  #evict(): void {
    while (this.#retainedBytes > this.#limitBytes && this.#head < this.#chunks.length - 1) {
      const c = this.#chunks[this.#head] as LoggedChunk;
      // Let go of the evicted chunk now: the array is compacted only now and then.
      this.#chunks[this.#head] = undefined;
      this.#head++;
      this.#retainedBytes -= c.data.length;
      this.#evictedThroughSeq = c.seq;
    }
    if (this.#head > 1024 && this.#head * 2 > this.#chunks.length) {
      this.#chunks = this.#chunks.slice(this.#head);
      this.#head = 0;
    }
  }
}
