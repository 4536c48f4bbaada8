import {
  encodeFrame,
  encodeReset,
  RELAY_FRAME_VERSION,
  type RelayFrame,
  type RelayFrameBody,
} from '../../proto/codec/index.ts';
import { protocolErrorReason, ResetReason } from '../../proto/reset-reasons.ts';
import type { StreamConfig } from './config.ts';
import { StreamClosedError } from './errors.ts';
import {
  emptyStreamStats,
  type StreamOutput,
  type StreamState,
  type StreamStats,
  TransitionNotes,
} from './events.ts';
import { ReassemblyBudget } from './reassembly-budget.ts';
import { Receiver } from './receiver.ts';
import { Sender } from './sender.ts';
import type { StreamCore } from './stream-core.ts';

export interface ReliableStreamOptions {
  /** Whether the physical link is up when the stream is created. */
  linkUp: boolean;
  /** True on the accepting side, where the stream is born from a peer's frame. */
  heardFromPeer?: boolean;
  /** Counters to add to (a secure stream's, which exist before its records do). */
  stats?: StreamStats;
  /** What unfinished messages and frames past a hole may hold, shared with other streams (default: unbounded). */
  budget?: ReassemblyBudget;
  /** The one reason of every protocol error (a secure stream's records: its failures name no cause); default `protocol_error:<code>`. */
  protocolErrorReason?: string;
}

/**
 * One `stream_id`, both directions, as a pure state machine (DESIGN.md §3).
 * Every input takes `now` (ms); outputs accumulate until `drain()`. It never
 * reads a clock or arms a timer: the caller calls `tick(now)` at
 * `nextDeadline()`. The send path is a `Sender`, the receive path a
 * `Receiver`; this class holds what spans both: state, liveness, the resume
 * handshake and resets.
 */
export class ReliableStream implements StreamCore {
  readonly kind = 'reliable';
  readonly streamId: string;
  readonly #config: StreamConfig;
  readonly #sender: Sender;
  readonly #receiver: Receiver;
  readonly #protocolErrorReason: string | undefined;

  #out: StreamOutput = { frames: [], messages: [], events: [] };
  #resetReason: string | undefined;
  #linkUp: boolean;
  #peerSilent = false;
  #heardFromPeer: boolean;
  #lastHeardAt: number;
  #lastSentAt: number;
  /** Transmission counter at our latest resume: later transmissions need no resend. */
  #resumeTx = 0;
  /**
   * Set while a resume we sent awaits the peer's ack state (the first one
   * heard triggers resends); the resume is repeated when it falls due.
   */
  #resumeDeadline: number | undefined;
  readonly #notes: TransitionNotes;

  readonly stats: StreamStats;

  constructor(streamId: string, config: StreamConfig, now: number, options: ReliableStreamOptions) {
    this.streamId = streamId;
    this.stats = options.stats ?? emptyStreamStats();
    this.#config = config;
    this.#sender = new Sender(config, this.stats, {
      encode: (body) => this.#encode(body),
      write: (frame, at) => this.#write(frame, at),
    });
    this.#receiver = new Receiver(config, this.stats, options.budget ?? new ReassemblyBudget(), (message) =>
      this.#out.messages.push(message),
    );
    this.#protocolErrorReason = options.protocolErrorReason;
    this.#linkUp = options.linkUp;
    this.#heardFromPeer = options.heardFromPeer ?? false;
    this.#lastHeardAt = now;
    this.#lastSentAt = now;
    this.#notes = new TransitionNotes(this.state);
  }

  get state(): StreamState {
    if (this.#resetReason !== undefined) return 'reset';
    return this.#linkUp && !this.#peerSilent ? 'open' : 'suspended';
  }

  get reason(): string | undefined {
    return this.#resetReason;
  }

  /** True while a new message would go straight into the send window. */
  get writable(): boolean {
    return this.#resetReason === undefined && this.#sender.writable;
  }

  get busy(): boolean {
    return this.#resetReason === undefined && this.#sender.busy;
  }

  /** Data frames in the window (sent, not cumulatively acked). */
  get inFlightFrames(): number {
    return this.#sender.inFlightFrames;
  }

  /** Payload bytes in the window. */
  get inFlightBytes(): number {
    return this.#sender.inFlightBytes;
  }

  /** Encoded frame bytes cached for resends. */
  get cachedBytes(): number {
    return this.#sender.cachedBytes;
  }

  /** Out-of-order payload bytes held by the receiver. */
  get reorderBufferBytes(): number {
    return this.#receiver.reorderBytes;
  }

  /** True between `pauseReceiving` and `resumeReceiving`. */
  get receiving(): boolean {
    return !this.#receiver.paused;
  }

  get smoothedRtt(): number | undefined {
    return this.#sender.smoothedRtt;
  }

  /** The retransmission timeout a transmission made now would get. */
  get rto(): number {
    return this.#sender.rto;
  }

  /**
   * Takes one application message (always, up to the size limit). Returns
   * `writable` afterwards: false means the caller should pause its producer
   * until a `writable` event.
   */
  send(message: Uint8Array, now: number): boolean {
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    this.#sender.queue(message);
    this.#pump(now);
    this.#noteChanges();
    return this.writable;
  }

  /** One inbound frame for this stream, already decoded and validated by the codec. */
  receive(frame: RelayFrame, now: number): void {
    if (this.#resetReason !== undefined) return;
    const body = frame.body;
    if (body.case === 'reset') {
      this.#terminate(body.value.reason, true);
      return;
    }
    if (body.case === 'handshake') {
      this.reset(ResetReason.SecureModeNotEnabled, now);
      return;
    }
    this.#lastHeardAt = now;
    this.#heardFromPeer = true;
    this.#peerSilent = false;

    // Data frames may be resends: their header is the one of their first sending.
    if (body.case !== 'data' && !this.#sender.ackKeptUp(frame.ack, frame.ackBits, now)) {
      this.protocolError('ack_regressed', now);
      return;
    }
    const acked = this.#sender.applyAck(frame.ack, frame.ackBits, now);
    if (!acked.ok) {
      this.protocolError(acked.error, now);
      return;
    }

    if (body.case === 'data') {
      const error = this.#receiver.receive(body.value, now);
      if (error !== undefined) {
        this.protocolError(error, now);
        return;
      }
    } else if (body.case === 'resume') {
      // The peer lost its link: it gets every unacked frame at once, and our receive state.
      const highest = this.#receiver.highest;
      if (highest > 0 && highest >= body.value.nextSeq) {
        this.protocolError('resume_behind_received', now);
        return;
      }
      this.#sender.resendUnacked(now);
      this.#resumeDeadline = undefined;
      this.#sendAck(now);
    }

    if (this.#resumeDeadline !== undefined) {
      // The first ack state heard after our resume: resend what it does not cover.
      this.#resumeDeadline = undefined;
      this.#sender.resendUnacked(now, this.#resumeTx);
    } else if (acked.progressed) {
      this.#sender.onProgress(now);
    }
    this.#pump(now);
    this.#noteChanges();
  }

  /**
   * Receive-side flow control: from now on, data frames not already held are
   * refused exactly as if they were lost (not buffered, not acked), so the
   * peer's send window fills and its sender stops taking messages. Frames
   * already received stay acked and held, messages already complete were
   * already delivered, and every frame's ack header is still applied, so the
   * send side and liveness keep working (the peer's resends and heartbeats
   * keep this side from suspending it). Idempotent.
   */
  pauseReceiving(): void {
    if (this.#resetReason !== undefined) return;
    this.#receiver.pause();
  }

  /**
   * Ends a receive pause. If anything was refused meanwhile, sends
   * `resume{next_seq}` with the ack state, so the peer resends every unacked
   * frame at once instead of waiting out its (backed-off) RTO; the resume is
   * repeated on the RTO until the peer is heard. With the link down, the
   * resume sent on `linkRestored` does the same. Idempotent.
   */
  resumeReceiving(now: number): void {
    if (this.#resetReason !== undefined || !this.#receiver.paused) return;
    const refused = this.#receiver.unpause();
    if (refused && this.#linkUp) this.#sendResume(now);
    this.#noteChanges();
  }

  /** Runs whatever fell due at `now`: delayed acks, retransmissions, heartbeats, silence. */
  tick(now: number): void {
    if (this.#resetReason !== undefined) return;
    if (this.#linkUp) {
      const ackAt = this.#receiver.ackDeadline;
      if (ackAt !== undefined && now >= ackAt) this.#sendAck(now);
      if (this.#resumeDeadline !== undefined && now >= this.#resumeDeadline) {
        this.#sender.backOff();
        this.#sendResume(now);
      }
      this.#sender.tick(now);
      if (this.#established) {
        if (this.#heardFromPeer && now >= this.#heartbeatAt)
          this.#emit({ case: 'heartbeat', value: {} }, now);
        if (!this.#peerSilent && now >= this.#silentAt) this.#peerSilent = true;
      }
    }
    this.#noteChanges();
  }

  /** The physical link is gone: frames in flight are lost, nothing is sent until `linkRestored`. */
  linkLost(_now: number): void {
    if (this.#resetReason !== undefined) return;
    this.#linkUp = false;
    this.#stopRecovery();
    this.#noteChanges();
  }

  /**
   * The physical link is back. A stream the peer has heard of sends
   * `resume{next_seq}`; one that never heard its peer resends its frames
   * instead (all seqs ≤ 32, so they open the stream on the accepting side).
   */
  linkRestored(now: number): void {
    if (this.#resetReason !== undefined) return;
    this.#linkUp = true;
    // A reconnect is no news from the peer: after an outage longer than the
    // silence period the stream stays suspended until the peer is heard.
    if (this.#established && now >= this.#silentAt) this.#peerSilent = true;
    if (this.#heardFromPeer) this.#sendResume(now);
    this.#sender.linkRestored(now, this.#heardFromPeer);
    this.#pump(now);
    this.#noteChanges();
  }

  /** The send window already bounds what this stream puts on a backed-up socket. */
  linkCongested(): void {}

  /** Resets the stream from this side: sends `reset{reason}` and stops. */
  reset(reason: string, now: number): void {
    if (this.#resetReason !== undefined) return;
    this.#write(encodeReset(this.streamId, reason), now);
    this.#terminate(reason, false);
  }

  /** A frame for this stream broke the protocol: reset with `protocol_error:<code>` (or the one reason given). */
  protocolError(code: string, now: number): void {
    this.reset(this.#protocolErrorReason ?? protocolErrorReason(code), now);
  }

  /** The earliest time `tick` has work to do, if any. */
  nextDeadline(): number | undefined {
    if (this.#resetReason !== undefined || !this.#linkUp) return undefined;
    let next = Number.POSITIVE_INFINITY;
    for (const at of [this.#receiver.ackDeadline, this.#resumeDeadline, this.#sender.nextDeadline()]) {
      if (at !== undefined) next = Math.min(next, at);
    }
    if (this.#established) {
      if (this.#heardFromPeer) next = Math.min(next, this.#heartbeatAt);
      if (!this.#peerSilent) next = Math.min(next, this.#silentAt);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  drain(): StreamOutput {
    const out = this.#out;
    this.#out = { frames: [], messages: [], events: [] };
    return out;
  }

  get #established(): boolean {
    return this.#heardFromPeer || this.#sender.highestSent > 0;
  }

  /**
   * When an idle stream that has heard its peer sends its next heartbeat.
   * Before the peer is heard, a heartbeat could overtake a lost first data
   * frame and be answered with `unknown_stream`; the unacked data's own
   * resends keep such a stream alive instead.
   */
  get #heartbeatAt(): number {
    return this.#lastSentAt + this.#config.heartbeatMs;
  }

  /** When an established stream that hears nothing more suspends. */
  get #silentAt(): number {
    return this.#lastHeardAt + this.#config.silentIntervals * this.#config.heartbeatMs;
  }

  #pump(now: number): void {
    if (!this.#sender.pump(now, this.#linkUp)) this.reset(ResetReason.SeqExhausted, now);
  }

  #sendResume(now: number): void {
    this.#emit({ case: 'resume', value: { nextSeq: this.#sender.nextSeq } }, now);
    this.#resumeTx = this.#sender.transmissions;
    this.#resumeDeadline = now + this.#sender.rto;
  }

  #sendAck(now: number): void {
    this.#emit({ case: 'ackFrame', value: {} }, now);
    this.stats.acksSent += 1;
  }

  /** Emits a non-data frame carrying the current ack state. */
  #emit(body: RelayFrameBody, now: number): void {
    this.#write(this.#encode(body), now);
  }

  /**
   * Encodes a frame carrying the current ack state (every body but a reset,
   * which `reset` encodes); the ack it carries is no longer owed.
   */
  #encode(body: RelayFrameBody): Uint8Array {
    const encoded = encodeFrame({
      version: RELAY_FRAME_VERSION,
      streamId: this.streamId,
      ack: this.#receiver.ack,
      ackBits: this.#receiver.ackBits,
      body,
    });
    this.#receiver.ackSent();
    return encoded;
  }

  #write(frame: Uint8Array, now: number): void {
    this.#out.frames.push(frame);
    this.#lastSentAt = now;
  }

  #terminate(reason: string, byPeer: boolean): void {
    this.#resetReason = reason;
    this.#sender.clear();
    this.#receiver.clear();
    this.#resumeDeadline = undefined;
    this.#out.events.push({ type: 'reset', reason, byPeer });
    this.#noteChanges();
  }

  /** Drops the resume, loss and probe deadlines: the link is gone. */
  #stopRecovery(): void {
    this.#resumeDeadline = undefined;
    this.#sender.stopRecovery();
  }

  #noteChanges(): void {
    this.#notes.note(this.state, this.writable, this.#out.events, this.busy);
  }
}
