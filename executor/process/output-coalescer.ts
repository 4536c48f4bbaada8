import type { OutputStream } from '../../proto/rpc/index.ts';

/** A pipe read at least this large filled most of Node's 64 KiB read: the producer is ahead of us. */
const BULK_READ_BYTES = 32 * 1024;
/** The largest chunk a burst is gathered into: one notification, one relay frame in cleartext. */
const COALESCED_CHUNK_BYTES = 512 * 1024;
/** How long a bulk read waits for the reads behind it. */
const HOLD_MS = 1;

/**
 * Gathers a burst of process output into fewer, larger chunks, so a bulk
 * transfer costs fewer notifications and relay frames. A bulk read is held
 * up to HOLD_MS for the reads behind it, up to COALESCED_CHUNK_BYTES (and
 * half the output the process retains, so a late reader can still catch up
 * chunk by chunk); a
 * short read (interactive output, or the producer caught up) goes at once,
 * with whatever was held before it. Order is kept: output of the other
 * stream, the exit and the close flush what is held first.
 */
export class OutputCoalescer {
  readonly #emit: (stream: OutputStream, data: Buffer) => void;
  readonly #maxBytes: number;
  #stream: OutputStream = 'stdout';
  #parts: Buffer[] = [];
  #bytes = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `retainBytes`: the output the process keeps for `process/read`; a chunk takes at most half of it. */
  constructor(retainBytes: number, emit: (stream: OutputStream, data: Buffer) => void) {
    this.#emit = emit;
    this.#maxBytes = Math.min(COALESCED_CHUNK_BYTES, Math.floor(retainBytes / 2));
  }

  push(stream: OutputStream, data: Buffer): void {
    if (this.#bytes > 0 && (stream !== this.#stream || this.#bytes + data.length > this.#maxBytes))
      this.flush();
    const bulk = data.length >= BULK_READ_BYTES;
    if (this.#bytes === 0 && !bulk) {
      this.#emit(stream, data);
      return;
    }
    this.#stream = stream;
    this.#parts.push(data);
    this.#bytes += data.length;
    if (!bulk) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), HOLD_MS);
  }

  /** Emits what is held, if anything. */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#bytes === 0) return;
    const parts = this.#parts;
    const data = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, this.#bytes);
    this.#parts = [];
    this.#bytes = 0;
    this.#emit(this.#stream, data);
  }
}
