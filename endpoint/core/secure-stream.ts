import {
  encodeFrame,
  encodeReset,
  RELAY_FRAME_VERSION,
  type RelayFrame,
  type RelayFrameBody,
} from '../../proto/codec/index.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import type { StreamConfig } from './config.ts';
import { StreamClosedError } from './errors.ts';
import {
  emptyStreamStats,
  type StreamOutput,
  type StreamState,
  type StreamStats,
  TransitionNotes,
} from './events.ts';
import { LegacyStream } from './legacy-stream.ts';
import { ReassemblyBudget } from './reassembly-budget.ts';
import { ReliableStream } from './reliable-stream.ts';
import { RtoEstimator } from './rto.ts';
import type { SecureGeneration, StreamCore } from './stream-core.ts';

export interface SecureStreamOptions {
  /** Whether the physical link is up when the stream is created. */
  linkUp: boolean;
  /** The accepting side (the executor, the Noise responder); otherwise the opening side (the harness). */
  accepted: boolean;
  /** Opening side: the generation of its records. The accepting side learns it from the first record. */
  generation?: SecureGeneration;
  /** What unfinished messages and held records may take, shared with other streams (default: unbounded). */
  budget?: ReassemblyBudget;
}

const PROTOCOL_ERROR = ResetReason.SecureRelayProtocolError;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * One stream of the secure relay (DESIGN.md §9), pure like the other kinds.
 * First the handshake: unsequenced `handshake` frames whose payloads the
 * layer above reads and writes (the Noise messages); then records over a
 * stream of the generation the opening side chose: a ReliableStream (seq
 * from 1) or an ordered LegacyStream (upstream main, seq from 0).
 *
 * The opening side claims the stream with `resume{next_seq: 0}`, then sends
 * message 1 and resends that same frame on a backed-off timer until message
 * 2 arrives; after `handshakeTimeoutMs` without completing, the stream is
 * reset. The accepting side answers a byte-identical repeat of message 1
 * with its cached message 2 (or ignores it while its answer is pending);
 * any other second message 1 is a protocol error, and so is a record before
 * the handshake completed (opening side: before message 2 arrived;
 * accepting side: before it sent message 2).
 */
export class SecureStream implements StreamCore {
  readonly kind = 'secure';
  readonly streamId: string;
  readonly #config: StreamConfig;
  readonly #budget: ReassemblyBudget;
  readonly #accepted: boolean;
  readonly #generation: SecureGeneration;
  #out: StreamOutput = { frames: [], messages: [], events: [] };
  #resetReason: string | undefined;
  #linkUp: boolean;
  #congested = false;
  #receivePaused = false;
  /** Our handshake frame (message 1 or 2): encoded once, resent as is. */
  #ownHandshake: Uint8Array | undefined;
  /** The peer's handshake message (message 1 on the accepting side, 2 on the opening side). */
  #peerHandshake: Uint8Array | undefined;
  #retryAt: number | undefined;
  /** Times our handshake message's resends: the stream's RTO, doubling on each. */
  readonly #handshakeRto: RtoEstimator;
  readonly #giveUpAt: number;
  /** The records' stream, once the handshake completed (and, accepting, the first record named the generation). */
  #records: StreamCore | undefined;
  /** Accepting side: messages sent between its answer and the first record. */
  #early: Uint8Array[] = [];
  readonly #notes: TransitionNotes;
  /** The records' counters (reliable generation), from the start. */
  readonly stats: StreamStats = emptyStreamStats();

  constructor(streamId: string, config: StreamConfig, now: number, options: SecureStreamOptions) {
    this.streamId = streamId;
    this.#config = config;
    this.#handshakeRto = new RtoEstimator(config.rto);
    this.#accepted = options.accepted;
    this.#generation = options.generation ?? 'reliable';
    this.#budget = options.budget ?? new ReassemblyBudget();
    this.#linkUp = options.linkUp;
    this.#giveUpAt = now + config.handshakeTimeoutMs;
    this.#notes = new TransitionNotes(this.state);
    if (!this.#accepted && this.#linkUp) this.#claim();
  }

  get state(): StreamState {
    if (this.#records !== undefined) return this.#records.state;
    if (this.#resetReason !== undefined) return 'reset';
    return this.#linkUp ? 'open' : 'suspended';
  }

  get reason(): string | undefined {
    return this.#records?.reason ?? this.#resetReason;
  }

  /** Whether the handshake completed: records flow. */
  get established(): boolean {
    return this.#records !== undefined;
  }

  /** The records' reliable stream, once established in the reliable generation. */
  get reliable(): ReliableStream | undefined {
    return this.#records instanceof ReliableStream ? this.#records : undefined;
  }

  get busy(): boolean {
    return this.#records?.busy ?? false;
  }

  get writable(): boolean {
    if (this.#records !== undefined) return this.#records.writable;
    return this.#resetReason === undefined && this.#accepted && this.#ownHandshake !== undefined;
  }

  /**
   * Sends our handshake message: message 1 on the opening side, message 2 on
   * the accepting side once it has read message 1 (and authorized it).
   */
  sendHandshake(payload: Uint8Array, now: number): void {
    const reason = this.reason;
    if (reason !== undefined) throw new StreamClosedError(this.streamId, reason);
    if (this.#ownHandshake !== undefined)
      throw new Error(`stream ${this.streamId} already sent its handshake`);
    if (this.#accepted && this.#peerHandshake === undefined) {
      throw new Error(`stream ${this.streamId} has no handshake to answer`);
    }
    this.#ownHandshake = this.#encode({ case: 'handshake', value: { payload } });
    if (this.#linkUp) this.#out.frames.push(this.#ownHandshake);
    if (!this.#accepted) this.#retryAt = now + this.#handshakeRto.current();
    this.#noteChanges();
  }

  send(message: Uint8Array, now: number): boolean {
    if (this.#records !== undefined) return this.#records.send(message, now);
    if (this.#resetReason !== undefined) throw new StreamClosedError(this.streamId, this.#resetReason);
    if (!this.writable) throw new Error(`stream ${this.streamId} has not completed its handshake`);
    this.#early.push(message);
    return true;
  }

  receive(frame: RelayFrame, now: number): void {
    if (this.state === 'reset') return;
    const body = frame.body;
    if (body.case === 'handshake') {
      this.#receiveHandshake(body.value.payload, now);
      return;
    }
    // The opening side's claim, also when it arrives after the handshake.
    if (body.case === 'resume' && body.value.nextSeq === 0) return;
    if (this.#records === undefined) {
      if (body.case === 'reset') {
        this.#terminate(body.value.reason, true);
        return;
      }
      if (body.case !== 'data') return; // acks, resumes and heartbeats mean nothing before the records
      if (!this.#accepted || this.#ownHandshake === undefined) {
        this.reset(PROTOCOL_ERROR, now);
        return;
      }
      this.#startRecords(body.value.seq === 0 ? 'legacy' : 'reliable', now);
    }
    this.#records?.receive(frame, now);
  }

  protocolError(code: string, now: number): void {
    if (this.#records !== undefined) this.#records.protocolError(code, now);
    else this.reset(PROTOCOL_ERROR, now);
  }

  pauseReceiving(): void {
    this.#receivePaused = true;
    this.#records?.pauseReceiving();
  }

  resumeReceiving(now: number): void {
    this.#receivePaused = false;
    this.#records?.resumeReceiving(now);
  }

  tick(now: number): void {
    if (this.#records !== undefined) {
      this.#records.tick(now);
      return;
    }
    if (this.#resetReason !== undefined) return;
    if (now >= this.#giveUpAt) {
      this.reset(ResetReason.HandshakeTimeout, now);
      return;
    }
    if (this.#linkUp && this.#retryAt !== undefined && now >= this.#retryAt && this.#ownHandshake) {
      this.#handshakeRto.onTimeout();
      this.#out.frames.push(this.#ownHandshake);
      this.#retryAt = now + this.#handshakeRto.current();
    }
  }

  linkLost(now: number): void {
    this.#linkUp = false;
    if (this.#records !== undefined) {
      this.#records.linkLost(now);
      return;
    }
    this.#noteChanges();
  }

  /** Back on a link during the handshake: the opening side claims the stream again and resends message 1, the accepting side its answer. */
  linkRestored(now: number): void {
    this.#linkUp = true;
    if (this.#records !== undefined) {
      this.#records.linkRestored(now);
      return;
    }
    if (this.#resetReason !== undefined) return;
    if (!this.#accepted) this.#claim();
    if (this.#ownHandshake !== undefined) this.#out.frames.push(this.#ownHandshake);
    if (this.#retryAt !== undefined) this.#retryAt = now + this.#handshakeRto.current();
    this.#noteChanges();
  }

  linkCongested(congested: boolean): void {
    this.#congested = congested;
    this.#records?.linkCongested(congested);
  }

  reset(reason: string, now: number): void {
    if (this.#records !== undefined) {
      this.#records.reset(reason, now);
      return;
    }
    if (this.#resetReason !== undefined) return;
    this.#out.frames.push(encodeReset(this.streamId, reason));
    this.#terminate(reason, false);
  }

  nextDeadline(): number | undefined {
    if (this.#records !== undefined) return this.#records.nextDeadline();
    if (this.#resetReason !== undefined) return undefined;
    const retry = this.#linkUp ? this.#retryAt : undefined;
    return retry === undefined ? this.#giveUpAt : Math.min(retry, this.#giveUpAt);
  }

  drain(): StreamOutput {
    const out = this.#out;
    if (this.#records === undefined) {
      this.#out = { frames: [], messages: [], events: [] };
      return out;
    }
    const records = this.#records.drain();
    // Once the records flow, our own output is almost always empty: pass theirs on as it is.
    if (out.frames.length === 0 && out.events.length === 0) return records;
    this.#out = { frames: [], messages: [], events: [] };
    return {
      frames: [...out.frames, ...records.frames],
      messages: records.messages,
      events: [...out.events, ...records.events],
    };
  }

  #receiveHandshake(payload: Uint8Array, now: number): void {
    const first = this.#peerHandshake === undefined;
    if (first && !this.#accepted && this.#ownHandshake === undefined) {
      this.reset(PROTOCOL_ERROR, now);
      return;
    }
    if (first) {
      this.#peerHandshake = payload;
      this.#out.events.push({ type: 'handshake', payload });
      if (!this.#accepted) {
        this.#retryAt = undefined;
        this.#startRecords(this.#generation, now);
      }
      return;
    }
    // The opening side ignores a repeated message 2 (the answer to a resent message 1).
    if (!this.#accepted) return;
    if (!sameBytes(payload, this.#peerHandshake as Uint8Array)) {
      this.reset(PROTOCOL_ERROR, now);
      return;
    }
    // Message 1 again: our answer was lost, or is still being decided.
    if (this.#ownHandshake !== undefined && this.#linkUp) this.#out.frames.push(this.#ownHandshake);
  }

  #startRecords(generation: SecureGeneration, now: number): void {
    const records =
      generation === 'reliable'
        ? new ReliableStream(this.streamId, this.#config, now, {
            linkUp: this.#linkUp,
            heardFromPeer: true,
            stats: this.stats,
            budget: this.#budget,
            protocolErrorReason: PROTOCOL_ERROR,
          })
        : new LegacyStream(this.streamId, {
            linkUp: this.#linkUp,
            accepted: true,
            ordered: true,
            budget: this.#budget,
          });
    if (this.#receivePaused) records.pauseReceiving();
    if (this.#congested) records.linkCongested(true);
    this.#records = records;
    for (const message of this.#early.splice(0)) records.send(message, now);
  }

  /** `resume{next_seq: 0}`: binds the stream to our socket at the rendezvous, as upstream's harness does. */
  #claim(): void {
    this.#out.frames.push(this.#encode({ case: 'resume', value: { nextSeq: 0 } }));
  }

  #encode(body: RelayFrameBody): Uint8Array {
    return encodeFrame({ version: RELAY_FRAME_VERSION, streamId: this.streamId, ack: 0, ackBits: 0, body });
  }

  #terminate(reason: string, byPeer: boolean): void {
    this.#resetReason = reason;
    this.#retryAt = undefined;
    this.#early = [];
    this.#out.events.push({ type: 'reset', reason, byPeer });
    this.#noteChanges();
  }

  #noteChanges(): void {
    this.#notes.note(this.state, this.writable, this.#out.events);
  }
}
