import {
  encodeFrame,
  encodeReset,
  MAX_FRAME_BYTES,
  RELAY_FRAME_VERSION,
  type RelayFrame,
  type RelayFrameBody,
} from '../../proto/codec/index.ts';
import { protocolErrorReason, ResetReason } from '../../proto/reset-reasons.ts';
import { MessageTooLargeError, StreamClosedError } from './errors.ts';
import { type StreamOutput, type StreamState, TransitionNotes } from './events.ts';
import { OrderedRelease } from './ordered-release.ts';
import { ReassemblyBudget } from './reassembly-budget.ts';
import type { StreamCore } from './stream-core.ts';

export interface LegacyStreamOptions {
  /** Whether the physical link is up when the stream is created. */
  linkUp: boolean;
  /** True on the accepting side, where the peer's first data frame opened the stream. */
  accepted: boolean;
  /**
   * Records of upstream main's secure generation: released in seq order
   * (OrderedRelease), seqs never wrap, and a broken order or a limit resets
   * the stream (`secure_relay_protocol_error`).
   */
  ordered?: boolean;
  /** What messages held during a receive pause (and records held out of order) may take, shared with other streams (default: unbounded). */
  budget?: ReassemblyBudget;
}

/** Data seqs wrap here, as upstream's `u32::wrapping_add`. */
const SEQ_SPACE = 2 ** 32;

/**
 * One `stream_id` of upstream's legacy cleartext relay (DESIGN.md §3), pure
 * like ReliableStream. Every data frame is one whole message, delivered as it
 * arrives (no ordering, no duplicate suppression: the peer never resends);
 * outgoing messages are one frame each, seq 0, 1, 2… with `ack` 0 and
 * `ack_bits` 0, never segmented, never resent. Acks, resumes, heartbeats and
 * handshakes are ignored; invalid frames are dropped unanswered. There is no
 * resume: once the stream has been on a link, losing it ends the stream.
 *
 * The opening side first sends `resume{next_seq: 0}`, which claims the stream
 * at the rendezvous, as upstream's legacy harness does; messages sent before
 * the stream's first link wait for it.
 */
export class LegacyStream implements StreamCore {
  readonly kind = 'legacy';
  readonly streamId: string;
  #out: StreamOutput = { frames: [], messages: [], events: [] };
  #resetReason: string | undefined;
  #nextSeq = 0;
  #linkUp: boolean;
  /** The stream has been on a link: claimed by our resume, or opened by the peer's data. */
  #started: boolean;
  /** The socket is backed up: nothing here bounds what we queue but the socket. */
  #congested = false;
  #paused = false;
  readonly #ordered: OrderedRelease | undefined;
  /** Frames encoded before the stream first had a link, in order. */
  #unsent: Uint8Array[] = [];
  /** Messages received during a receive pause: a legacy peer cannot be asked to hold back. */
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  readonly #budget: ReassemblyBudget;
  readonly #notes: TransitionNotes;

  constructor(streamId: string, options: LegacyStreamOptions) {
    this.streamId = streamId;
    this.#budget = options.budget ?? new ReassemblyBudget();
    this.#linkUp = options.linkUp;
    this.#started = options.accepted;
    this.#ordered = options.ordered ? new OrderedRelease(this.#budget) : undefined;
    this.#notes = new TransitionNotes(this.state);
    if (!this.#started && this.#linkUp) this.#start();
  }

  get state(): StreamState {
    if (this.#resetReason !== undefined) return 'reset';
    return this.#started && this.#linkUp ? 'open' : 'suspended';
  }

  get reason(): string | undefined {
    return this.#resetReason;
  }

  /** Nothing is ever acknowledged, so nothing waits for it. */
  get busy(): boolean {
    return false;
  }

  get writable(): boolean {
    return this.state === 'open' && !this.#congested;
  }

  /**
   * Sends one message as one data frame. A message whose frame would exceed
   * the relay's frame limit is refused (MessageTooLargeError): the legacy
   * relay never segments.
   */
  send(message: Uint8Array): boolean {
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    if (this.#ordered !== undefined && this.#nextSeq === SEQ_SPACE - 1) {
      this.reset(ResetReason.SeqExhausted);
      throw new StreamClosedError(this.streamId, ResetReason.SeqExhausted);
    }
    const frame = this.#encode({
      case: 'data',
      value: { seq: this.#nextSeq, segmentIndex: 0, segmentCount: 1, payload: message },
    });
    if (frame.length > MAX_FRAME_BYTES) {
      throw new MessageTooLargeError(message.length, MAX_FRAME_BYTES - (frame.length - message.length));
    }
    this.#nextSeq = (this.#nextSeq + 1) % SEQ_SPACE;
    if (this.#started) this.#out.frames.push(frame);
    else this.#unsent.push(frame);
    this.#noteChanges();
    return this.writable;
  }

  receive(frame: RelayFrame): void {
    if (this.#resetReason !== undefined) return;
    const body = frame.body;
    if (body.case === 'reset') {
      this.#terminate(body.value.reason, true);
    } else if (body.case === 'data' && body.value.segmentCount === 1) {
      // ack and ack_bits mean nothing here (nor seq, unless ordered); a segmented frame is dropped, as upstream does.
      if (this.#ordered === undefined) {
        this.#deliver(body.value.payload);
        return;
      }
      const result = this.#ordered.push(body.value.seq, body.value.payload);
      if (!result.ok) {
        this.reset(ResetReason.SecureRelayProtocolError);
        return;
      }
      for (const message of result.released) this.#deliver(message);
    }
  }

  /** Upstream's legacy relay drops an invalid frame without answering it. */
  protocolError(): void {}

  /** Holds delivery (not the peer, which no legacy frame can slow down) until `resumeReceiving`. */
  pauseReceiving(): void {
    this.#paused = true;
  }

  resumeReceiving(): void {
    if (!this.#paused) return;
    this.#paused = false;
    for (const message of this.#held) this.#out.messages.push(message);
    this.#letGoOfHeld();
  }

  /** Nothing is ever due: no acks, no resends, no heartbeats. */
  tick(): void {}

  linkLost(): void {
    if (this.#resetReason !== undefined) return;
    this.#linkUp = false;
    if (this.#started) this.#terminate(ResetReason.ConnectionLost, false);
    else this.#noteChanges();
  }

  linkRestored(): void {
    if (this.#resetReason !== undefined) return;
    this.#linkUp = true;
    if (!this.#started) this.#start();
    this.#noteChanges();
  }

  linkCongested(congested: boolean): void {
    this.#congested = congested;
    this.#noteChanges();
  }

  reset(reason: string): void {
    if (this.#resetReason !== undefined) return;
    if (this.#started && this.#linkUp) this.#out.frames.push(encodeReset(this.streamId, reason));
    this.#terminate(reason, false);
  }

  nextDeadline(): number | undefined {
    return undefined;
  }

  drain(): StreamOutput {
    const out = this.#out;
    this.#out = { frames: [], messages: [], events: [] };
    return out;
  }

  /** Delivers a message, or holds it during a receive pause within the shared budget (past it, the stream resets). */
  #deliver(message: Uint8Array): void {
    if (this.#resetReason !== undefined) return;
    if (!this.#paused) {
      this.#out.messages.push(message);
    } else if (this.#budget.hold(message.length)) {
      this.#held.push(message);
      this.#heldBytes += message.length;
    } else {
      this.reset(
        this.#ordered ? ResetReason.SecureRelayProtocolError : protocolErrorReason('reassembly_limit'),
      );
    }
  }

  #start(): void {
    this.#started = true;
    this.#out.frames.push(this.#encode({ case: 'resume', value: { nextSeq: 0 } }));
    for (const frame of this.#unsent) this.#out.frames.push(frame);
    this.#unsent = [];
  }

  #encode(body: RelayFrameBody): Uint8Array {
    return encodeFrame({ version: RELAY_FRAME_VERSION, streamId: this.streamId, ack: 0, ackBits: 0, body });
  }

  #terminate(reason: string, byPeer: boolean): void {
    this.#resetReason = reason;
    this.#unsent = [];
    this.#letGoOfHeld();
    this.#ordered?.clear();
    this.#out.events.push({ type: 'reset', reason, byPeer });
    this.#noteChanges();
  }

  #letGoOfHeld(): void {
    this.#budget.letGo(this.#heldBytes, this.#held.length);
    this.#held = [];
    this.#heldBytes = 0;
  }

  #noteChanges(): void {
    this.#notes.note(this.state, this.writable, this.#out.events);
  }
}
