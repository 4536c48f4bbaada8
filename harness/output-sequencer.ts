import type { OutputStream, ProcessReadResult } from '../proto/rpc/index.ts';

export interface ExitStatus {
  /** 128+n for a death by signal n. */
  exitCode: number;
  /** The signal's name, when the executor reports it (relaykit's does). */
  signal: string | null;
}

/** The exit status a `process/read` answer reports once the process exited. */
function readStatus(result: ProcessReadResult): ExitStatus {
  return { exitCode: result.exitCode ?? -1, signal: result.signal ?? null };
}

/** What a process reported, in the order the harness publishes it. */
export type OutputEvent =
  | { kind: 'output'; seq: number; stream: OutputStream; data: Uint8Array }
  | { kind: 'exited'; seq: number; status: ExitStatus }
  | { kind: 'closed'; seq: number };

/**
 * Puts one process's events (live notifications and `process/read` catch-up
 * results, in any mix, with repeats) back into seq order, each exactly once.
 * Pure: it only sees events and returns what is now publishable.
 */
export class OutputSequencer {
  #next = 1;
  readonly #buffered = new Map<number, OutputEvent>();
  #exitSeen = false;
  #closed = false;

  /** Highest seq published so far (the `afterSeq` for the next catch-up read). */
  get lastSeq(): number {
    return this.#next - 1;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Events held back until the seqs before them arrive. */
  get bufferedCount(): number {
    return this.#buffered.size;
  }

  /** Takes one live event; returns the events that are now in order, possibly none. */
  accept(event: OutputEvent): OutputEvent[] {
    if (this.#closed || event.seq < this.#next || this.#buffered.has(event.seq)) return [];
    this.#buffered.set(event.seq, event);
    return this.#drain();
  }

  /**
   * Takes one `process/read` result asked with `afterSeq = lastSeq`. Every seq
   * in (afterSeq, nextSeq) that carries no chunk is an exit or close event, so
   * the sequencer moves past it; the exit is taken from the result's fields.
   * `closed` means the read reached past the close event, so the process
   * ends once everything before `nextSeq` is published.
   */
  acceptRead(result: ProcessReadResult): OutputEvent[] {
    if (this.#closed) return [];
    const published: OutputEvent[] = [];
    for (const c of result.chunks) {
      published.push(
        ...this.accept({
          kind: 'output',
          seq: c.seq,
          stream: c.stream,
          data: Buffer.from(c.chunk, 'base64'),
        }),
      );
    }
    const lastChunkSeq = result.chunks.reduce((max, c) => Math.max(max, c.seq), 0);
    const coveredUntil = Math.max(result.nextSeq, lastChunkSeq + 1);
    while (this.#next < coveredUntil && !this.#closed) {
      const event = this.#buffered.get(this.#next);
      if (event !== undefined) {
        published.push(...this.#drain());
        continue;
      }
      if (result.exited && !this.#exitSeen) {
        this.#buffered.set(this.#next, {
          kind: 'exited',
          seq: this.#next,
          status: readStatus(result),
        });
      } else {
        this.#next++;
      }
      published.push(...this.#drain());
    }
    if (this.#closed) return published;
    if (result.exited && !this.#exitSeen) {
      this.#exitSeen = true;
      published.push({
        kind: 'exited',
        seq: this.lastSeq,
        status: readStatus(result),
      });
    }
    if (result.closed && this.#next >= result.nextSeq && this.#buffered.size === 0) {
      this.#closed = true;
      published.push({ kind: 'closed', seq: this.lastSeq });
    }
    return published;
  }

  #drain(): OutputEvent[] {
    const out: OutputEvent[] = [];
    for (;;) {
      const event = this.#buffered.get(this.#next);
      if (event === undefined) return out;
      this.#buffered.delete(this.#next);
      this.#next++;
      if (event.kind === 'exited') {
        if (this.#exitSeen) continue;
        this.#exitSeen = true;
      }
      out.push(event);
      if (event.kind === 'closed') {
        this.#closed = true;
        this.#buffered.clear();
        return out;
      }
    }
  }
}
