import type { RelayDataBody } from '../../proto/codec/index.ts';
import { AckState } from './ack-state.ts';
import type { StreamConfig } from './config.ts';
import type { StreamStats } from './events.ts';
import { type ReassembleResult, Reassembler } from './reassembler.ts';
import type { ReassemblyBudget } from './reassembly-budget.ts';
import { ReorderBuffer } from './reorder-buffer.ts';

/** Why received data broke the protocol; the stream resets with `protocol_error:<code>`. */
export type ReceiveError =
  | 'seq_zero'
  | 'seq_beyond_window'
  | 'receive_buffer_overflow'
  | Extract<ReassembleResult, { ok: false }>['code'];

/**
 * The receive path of one stream (DESIGN.md §3): data frames are classified
 * against the ack state, held past a hole, delivered in order and exactly
 * once through the reassembler, and acked promptly but coalesced. Pure:
 * time is passed in as `now`.
 */
export class Receiver {
  readonly #config: StreamConfig;
  readonly #stats: StreamStats;
  readonly #deliver: (message: Uint8Array) => void;
  readonly #received = new AckState();
  readonly #reorder: ReorderBuffer;
  readonly #reassembler: Reassembler;
  #ackDeadline: number | undefined;
  #framesSinceAck = 0;
  #bytesSinceAck = 0;
  /** Receive pause: new data frames are refused (as if lost) so the peer's window fills. */
  #paused = false;
  /** A data frame was refused during the current pause, so un-pausing must kick the peer. */
  #refusedWhilePaused = false;

  /** `budget` bounds what this receiver holds together with the other streams of its mux. */
  constructor(
    config: StreamConfig,
    stats: StreamStats,
    budget: ReassemblyBudget,
    deliver: (message: Uint8Array) => void,
  ) {
    this.#config = config;
    this.#stats = stats;
    this.#deliver = deliver;
    this.#reorder = new ReorderBuffer(config.windowBytes, budget);
    this.#reassembler = new Reassembler(config.maxMessageBytes, config.maxMessageSegments, budget);
  }

  /** Highest seq received contiguously: the `ack` of every outbound header. */
  get ack(): number {
    return this.#received.ack;
  }

  /** The `ack_bits` of every outbound header. */
  get ackBits(): number {
    return this.#received.bits;
  }

  /** Highest seq received at all (0 when nothing). */
  get highest(): number {
    return this.#received.highest();
  }

  /** Out-of-order payload bytes held. */
  get reorderBytes(): number {
    return this.#reorder.bytes;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** When the ack owed to the peer falls due, if one is owed. */
  get ackDeadline(): number | undefined {
    return this.#ackDeadline;
  }

  pause(): void {
    this.#paused = true;
  }

  /** Ends a pause; returns whether a data frame was refused during it. */
  unpause(): boolean {
    const refused = this.#refusedWhilePaused;
    this.#paused = false;
    this.#refusedWhilePaused = false;
    return refused;
  }

  /** One data frame; returns the protocol error it makes, if any (the stream must then reset). */
  receive(data: RelayDataBody, now: number): ReceiveError | undefined {
    const seq = data.seq;
    // Seq 0 is the legacy relay's first frame; here it is reserved (`ack = 0` means "nothing yet").
    if (seq === 0) return 'seq_zero';
    const kind = this.#received.classify(seq);
    if (kind === 'new' && this.#paused) {
      // Refused as if lost: neither held nor acked (a held frame is a duplicate and is re-acked below).
      this.#stats.refusedWhilePaused += 1;
      this.#refusedWhilePaused = true;
      return undefined;
    }
    // A duplicate, a frame past a hole or one filling a hole changes what the sender should resend: ack at once.
    this.#scheduleAck(
      now,
      data.payload.length,
      kind === 'duplicate' || seq !== this.#received.ack + 1 || this.#received.bits !== 0,
    );
    if (kind === 'duplicate') {
      this.#stats.duplicatesReceived += 1;
      return undefined;
    }
    if (kind === 'beyond_window') return 'seq_beyond_window';
    if (seq !== this.#received.ack + 1) {
      // Past a hole: held until the hole fills (the ack cannot advance yet).
      const refused = this.#reorder.hold(seq, data);
      if (refused !== undefined) return refused;
      this.#received.record(seq);
      return undefined;
    }
    // In order: deliver it and every held frame it joins to the cumulative ack.
    const after = this.#received.record(seq);
    for (let s = seq; s <= after; s += 1) {
      // Every seq up to the new cumulative ack was recorded, so past `seq` each one is held.
      const next = s === seq ? data : (this.#reorder.take(s) as RelayDataBody);
      const result = this.#reassembler.push(s, next);
      if (!result.ok) return result.code;
      if (result.message !== undefined) {
        this.#deliver(result.message);
        this.#stats.messagesDelivered += 1;
      }
    }
    return undefined;
  }

  /** The ack state went out in a frame header: no ack is owed any more. */
  ackSent(): void {
    this.#framesSinceAck = 0;
    this.#bytesSinceAck = 0;
    this.#ackDeadline = undefined;
  }

  /** Forgets held frames, the unfinished message and the owed ack (after a reset). */
  clear(): void {
    this.#reorder.clear();
    this.#reassembler.clear();
    this.ackSent();
  }

  /**
   * Owes the peer an ack: within `ackDelayMs`, or at once after `ackEveryFrames`
   * data frames or `ackEveryBytes` of payload (a few acks per window, so the
   * sender's window keeps moving and one lost standalone ack never leaves a
   * whole burst to its RTO) or when `urgent`.
   */
  #scheduleAck(now: number, bytes: number, urgent: boolean): void {
    this.#framesSinceAck += 1;
    this.#bytesSinceAck += bytes;
    if (this.#ackDeadline === undefined) this.#ackDeadline = now + this.#config.ackDelayMs;
    if (
      urgent ||
      this.#framesSinceAck >= this.#config.ackEveryFrames ||
      this.#bytesSinceAck >= this.#config.ackEveryBytes
    )
      this.#ackDeadline = now;
  }
}
