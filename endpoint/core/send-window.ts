import { ACK_WINDOW } from './config.ts';

/** One data frame between its first cut and its cumulative ack. */
export interface InFlightFrame {
  readonly seq: number;
  /** Payload size; still counted against the window after a selective ack. */
  readonly size: number;
  /** The encoded frame, resent byte for byte; dropped once selectively acked. */
  encoded: Uint8Array | undefined;
  sacked: boolean;
  /** Transmissions so far (0 while the link was down when the frame was cut). */
  txCount: number;
  /** Order of the latest transmission among all of this stream's transmissions. */
  lastTx: number;
  /** Order of the first transmission among all of this stream's transmissions. */
  firstTx: number;
  firstSentAt: number;
  lastSentAt: number;
  /** Whether the latest transmission was a resend because an ack showed the frame lost. */
  resentAsLost: boolean;
  /** Once acked: order of the latest transmission surely delivered by then (see RecentAck). */
  deliveredTx: number;
  /** When the frame is due for retransmission (undefined while not transmitted). */
  deadline: number | undefined;
}

export type AckError = 'ack_bit0_set' | 'ack_beyond_sent';

export interface AckOutcome {
  error?: AckError;
  /** Frames this ack covered for the first time. */
  newlyAcked: InFlightFrame[];
}

/**
 * The sender's window: frames with seq above the cumulative ack. Only the
 * cumulative ack slides it; selectively acked frames free their bytes
 * (never resent) but keep their place until the cumulative ack passes them.
 */
export class SendWindow {
  readonly #maxFrames: number;
  readonly #maxBytes: number;
  /** frames[i] has seq cumAck + 1 + i. */
  #frames: InFlightFrame[] = [];
  #cumAck = 0;
  #nextSeq = 1;
  #highestSent = 0;
  #windowBytes = 0;
  #cachedBytes = 0;

  constructor(maxFrames: number, maxBytes: number) {
    this.#maxFrames = Math.min(maxFrames, ACK_WINDOW);
    this.#maxBytes = maxBytes;
  }

  /** The seq the next frame cut gets. */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Highest seq transmitted at least once; the peer may not ack beyond it. */
  get highestSent(): number {
    return this.#highestSent;
  }

  /** Payload bytes of every frame in the window (selectively acked ones included). */
  get windowBytes(): number {
    return this.#windowBytes;
  }

  /** Encoded bytes still cached for resending. */
  get cachedBytes(): number {
    return this.#cachedBytes;
  }

  get size(): number {
    return this.#frames.length;
  }

  get full(): boolean {
    return this.#frames.length >= this.#maxFrames || this.#windowBytes >= this.#maxBytes;
  }

  hasRoomFor(size: number): boolean {
    return this.#frames.length < this.#maxFrames && this.#windowBytes + size <= this.#maxBytes;
  }

  add(seq: number, size: number, encoded: Uint8Array): InFlightFrame {
    const frame: InFlightFrame = {
      seq,
      size,
      encoded,
      sacked: false,
      txCount: 0,
      lastTx: 0,
      firstTx: 0,
      firstSentAt: 0,
      lastSentAt: 0,
      resentAsLost: false,
      deliveredTx: 0,
      deadline: undefined,
    };
    this.#frames.push(frame);
    this.#nextSeq = seq + 1;
    this.#windowBytes += size;
    this.#cachedBytes += encoded.length;
    return frame;
  }

  /** Frames not yet acked in any way, in seq order. */
  unacked(): InFlightFrame[] {
    return this.#frames.filter((f) => !f.sacked);
  }

  /** The earliest retransmission deadline among frames not acked in any way. */
  earliestDeadline(): number | undefined {
    let next: number | undefined;
    for (const frame of this.#frames) {
      const at = frame.deadline;
      if (!frame.sacked && at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** The highest-seq frame transmitted and not acked in any way. */
  newestUnacked(): InFlightFrame | undefined {
    for (let i = this.#frames.length - 1; i >= 0; i -= 1) {
      const frame = this.#frames[i] as InFlightFrame;
      if (!frame.sacked && frame.txCount > 0) return frame;
    }
    return undefined;
  }

  markSent(frame: InFlightFrame): void {
    if (frame.seq > this.#highestSent) this.#highestSent = frame.seq;
  }

  /** Applies a peer's ack header, checking it first (DESIGN.md §3). */
  applyAck(ack: number, bits: number): AckOutcome {
    const newlyAcked: InFlightFrame[] = [];
    if ((bits & 1) !== 0) return { error: 'ack_bit0_set', newlyAcked };
    if (ack > this.#highestSent) return { error: 'ack_beyond_sent', newlyAcked };
    if (bits !== 0 && ack + 1 + (31 - Math.clz32(bits)) > this.#highestSent) {
      return { error: 'ack_beyond_sent', newlyAcked };
    }
    if (ack > this.#cumAck) {
      const passed = this.#frames.splice(0, ack - this.#cumAck);
      for (const frame of passed) {
        this.#windowBytes -= frame.size;
        if (!frame.sacked) {
          this.#release(frame);
          newlyAcked.push(frame);
        }
      }
      this.#cumAck = ack;
    }
    for (let b = bits >>> 1, i = 1; b !== 0; b >>>= 1, i += 1) {
      if ((b & 1) === 0) continue;
      const frame = this.#frames[ack + 1 + i - this.#cumAck - 1];
      if (frame === undefined || frame.sacked || ack + 1 + i <= this.#cumAck) continue;
      frame.sacked = true;
      this.#release(frame);
      newlyAcked.push(frame);
    }
    return { newlyAcked };
  }

  /**
   * Whether an ack header still acknowledges every frame acked before. A
   * receiver never forgets what it received, so a header that does not is an
   * old one overtaken on the way, or a forged or damaged one.
   */
  covers(ack: number, bits: number): boolean {
    if (ack < this.#cumAck) return false;
    for (const frame of this.#frames) {
      if (!frame.sacked || frame.seq <= ack) continue;
      const bit = frame.seq - ack - 1;
      if (bit >= 32 || ((bits >>> bit) & 1) === 0) return false;
    }
    return true;
  }

  /**
   * Unacked frames with a hole-passing count at or above `threshold`: at least
   * that many frames delivered by transmissions made after this one's latest
   * transmission have been selectively acked, so this one was most likely lost.
   */
  fastRetransmitCandidates(threshold: number): InFlightFrame[] {
    const sackedTx: number[] = [];
    for (const frame of this.#frames) if (frame.sacked) sackedTx.push(frame.deliveredTx);
    if (sackedTx.length < threshold) return [];
    const result: InFlightFrame[] = [];
    for (const frame of this.#frames) {
      if (frame.sacked || frame.txCount === 0) continue;
      let passed = 0;
      for (const tx of sackedTx) if (tx > frame.lastTx) passed += 1;
      if (passed >= threshold) result.push(frame);
    }
    return result;
  }

  /** Forgets everything (after a reset). */
  clear(): void {
    this.#frames = [];
    this.#windowBytes = 0;
    this.#cachedBytes = 0;
  }

  #release(frame: InFlightFrame): void {
    if (frame.encoded !== undefined) this.#cachedBytes -= frame.encoded.length;
    frame.encoded = undefined;
  }
}
