import { decodeFrame, encodeReset, peekHeader, type RelayFrame } from '../../proto/codec/index.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import { resolveStreamConfig, type StreamConfig } from '../core/config.ts';
import type { StreamEvent } from '../core/events.ts';
import { ReassemblyBudget } from '../core/reassembly-budget.ts';
import type { ReliableStream } from '../core/reliable-stream.ts';
import type { SecureGeneration, StreamCore, StreamKind } from '../core/stream-core.ts';
import { DeadlineQueue } from './deadline-queue.ts';
import { type AcceptedSecurity, classifyOpening, createStream } from './stream-kinds.ts';
import { StreamOwners } from './stream-owners.ts';

export interface StreamMuxOptions {
  /** Accepting side (the executor): streams the peer starts are opened here. */
  accept: boolean;
  /** Accepting side: which streams it opens (default cleartext: reliable and legacy ones). */
  security?: AcceptedSecurity;
  /** Live streams at most (default 1,024). */
  maxStreams?: number;
  /**
   * Accepting side: live streams one owner may have (default 64). The owner
   * is the harness identity the rendezvous names in a stream's opening
   * frame (field 100); streams without one count against `maxStreams` only.
   */
  maxStreamsPerOwner?: number;
  stream?: Partial<StreamConfig>;
  /** How many ended stream ids are remembered to answer late frames (default 1024). */
  tombstones?: number;
  /** Bytes all streams together may hold for messages not yet delivered (default: unbounded); past it, the stream that asks for more resets. */
  maxReassemblyBytes?: number;
}

export interface MuxStreamOutput {
  streamId: string;
  messages: Uint8Array[];
  events: StreamEvent[];
}

/** What the mux produced since the last drain. */
export interface MuxOutput {
  /** Encoded frames for the physical channel, in order. */
  frames: Uint8Array[];
  /** Streams the peer opened (accepting side only), in order of arrival, with their owner if named. */
  opened: { streamId: string; kind: StreamKind; owner?: string }[];
  streams: MuxStreamOutput[];
}

export class StreamLimitError extends Error {
  constructor(limit: number) {
    super(`stream limit of ${limit} reached`);
    this.name = 'StreamLimitError';
  }
}

export const DEFAULT_MAX_STREAMS = 1024;
export const DEFAULT_MAX_STREAMS_PER_OWNER = 64;

/** An ended stream, remembered to answer its late frames. */
interface Tombstone {
  reason: string;
  kind: StreamKind;
}

/**
 * Many streams over one frame channel, keyed by `stream_id`, each of the kind
 * its opening frame asked for (stream-kinds.ts). Pure like the streams it
 * holds: frames in, frames out, time passed in. A bad frame or a reset
 * touches only its own stream.
 *
 * Work is proportional to the streams touched, not to the streams open (a
 * thousand idle streams cost nothing per frame): `drain` visits the
 * streams touched since the last drain — those that received a frame or
 * were ticked, every stream on a link change, and any handed out by
 * `get` or `open`, which the caller may act on before the next `drain` —
 * and the streams' deadlines are kept in a queue.
 */
export class StreamMux {
  readonly config: StreamConfig;
  readonly #accept: boolean;
  readonly #security: AcceptedSecurity;
  readonly #maxStreams: number;
  readonly #tombstoneLimit: number;
  readonly #budget: ReassemblyBudget;
  readonly #streams = new Map<string, StreamCore>();
  /** Streams that may have output or a new deadline since the last drain. */
  #touched = new Set<string>();
  readonly #deadlines = new DeadlineQueue();
  readonly #owners: StreamOwners;
  /** Ended streams, oldest first. */
  readonly #ended = new Map<string, Tombstone>();
  /** Streams that ended with their link (legacy ones): the peer hears of it once a link is back. */
  readonly #owedResets = new Set<string>();
  #linkUp: boolean;
  #linkCongested = false;
  #frames: Uint8Array[] = [];
  #opened: MuxOutput['opened'] = [];
  #endedOutputs: MuxStreamOutput[] = [];

  constructor(options: StreamMuxOptions, linkUp: boolean) {
    this.#accept = options.accept;
    this.#security = options.security ?? 'cleartext';
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#owners = new StreamOwners(options.maxStreamsPerOwner ?? DEFAULT_MAX_STREAMS_PER_OWNER);
    this.#tombstoneLimit = options.tombstones ?? 1024;
    this.#budget = new ReassemblyBudget(options.maxReassemblyBytes);
    this.config = resolveStreamConfig(options.stream);
    this.#linkUp = linkUp;
  }

  get size(): number {
    return this.#streams.size;
  }

  /** What the streams hold for messages not yet delivered, shared by all of them (and the layers above that rebuild messages). */
  get reassemblyBudget(): ReassemblyBudget {
    return this.#budget;
  }

  /** The stream, touched: what the caller does with it is drained next. */
  get(streamId: string): StreamCore | undefined {
    const stream = this.#streams.get(streamId);
    if (stream !== undefined) this.#touched.add(streamId);
    return stream;
  }

  /** The stream to read from only: not touched, so the next drain need not visit it. */
  peek(streamId: string): StreamCore | undefined {
    return this.#streams.get(streamId);
  }

  ids(): string[] {
    return [...this.#streams.keys()];
  }

  /** Starts a stream of `kind` (default reliable; a secure one's records of `generation`) from this side. */
  open(streamId: string, now: number): ReliableStream;
  open(streamId: string, now: number, kind: StreamKind, generation?: SecureGeneration): StreamCore;
  open(
    streamId: string,
    now: number,
    kind: StreamKind = 'reliable',
    generation?: SecureGeneration,
  ): StreamCore {
    if (this.#streams.has(streamId)) throw new Error(`stream ${streamId} is already open`);
    if (this.#streams.size >= this.#maxStreams) throw new StreamLimitError(this.#maxStreams);
    this.#ended.delete(streamId);
    this.#owedResets.delete(streamId);
    return this.#add(kind, streamId, now, false, generation);
  }

  /** One binary message from the physical channel. */
  receive(bytes: Uint8Array, now: number): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      const header = peekHeader(bytes);
      if (!header.ok) return; // no readable stream id: nothing to blame, the frame is dropped
      this.get(header.value.streamId)?.protocolError(decoded.error.code, now);
      return;
    }
    const frame = decoded.value;
    const stream = this.#streams.get(frame.streamId);
    if (stream !== undefined) {
      // Another identity's frame on this stream: the rendezvous should have dropped it.
      if (!this.#owners.admits(frame.streamId, frame.owner)) return;
      this.#touched.add(frame.streamId);
      stream.receive(frame, now);
      return;
    }
    this.#receiveForUnknown(frame, now);
  }

  /** Ticks the streams with a deadline at or before `now`. */
  tick(now: number): void {
    this.#refreshDeadlines();
    for (const id of this.#deadlines.takeDue(now)) this.get(id)?.tick(now);
  }

  linkLost(now: number): void {
    this.#linkUp = false;
    this.#touchAll();
    for (const stream of this.#streams.values()) {
      const before = stream.state;
      stream.linkLost(now);
      if (before !== 'reset' && stream.state === 'reset') this.#owedResets.add(stream.streamId);
    }
  }

  linkRestored(now: number): void {
    this.#linkUp = true;
    for (const streamId of this.#owedResets) this.#sendReset(streamId, ResetReason.ConnectionLost);
    this.#owedResets.clear();
    this.#touchAll();
    for (const stream of this.#streams.values()) stream.linkRestored(now);
  }

  /** The socket under the link is backed up (or drained again). */
  linkCongested(congested: boolean): void {
    this.#linkCongested = congested;
    this.#touchAll();
    for (const stream of this.#streams.values()) stream.linkCongested(congested);
  }

  nextDeadline(): number | undefined {
    this.#refreshDeadlines();
    return this.#deadlines.peek();
  }

  /** Collects every stream's output; ended streams are removed and remembered. */
  drain(): MuxOutput {
    const frames = this.#frames;
    const streams = this.#endedOutputs;
    this.#frames = [];
    this.#endedOutputs = [];
    const touched = this.#touched;
    this.#touched = new Set();
    for (const id of touched) {
      const stream = this.#streams.get(id);
      if (stream === undefined) continue;
      const out = stream.drain();
      for (const f of out.frames) frames.push(f);
      if (out.messages.length > 0 || out.events.length > 0) {
        streams.push({ streamId: id, messages: out.messages, events: out.events });
      }
      if (stream.state === 'reset') {
        this.#streams.delete(id);
        this.#owners.release(id);
        this.#remember(id, { reason: stream.reason ?? ResetReason.Closed, kind: stream.kind });
      }
      this.#deadlines.set(id, stream.nextDeadline());
    }
    const opened = this.#opened;
    this.#opened = [];
    return { frames, opened, streams };
  }

  #receiveForUnknown(frame: RelayFrame, now: number): void {
    const body = frame.body;
    const ended = this.#ended.get(frame.streamId);
    if (ended?.kind === 'legacy') {
      // The legacy relay answers nothing; a later whole message starts a fresh stream, as upstream.
      if (this.#accept && body.case === 'data' && body.value.segmentCount === 1) {
        this.#ended.delete(frame.streamId);
        this.#accepted('legacy', frame, now);
      }
      return;
    }
    if (body.case === 'reset') return; // a reset is never answered
    if (ended !== undefined) {
      // A handshake on a retired secure stream id is a replay, whatever ended the stream.
      const retired = ended.kind === 'secure' && body.case === 'handshake';
      this.#sendReset(frame.streamId, retired ? ResetReason.SecureRelayProtocolError : ended.reason);
      return;
    }
    const opening = this.#accept
      ? classifyOpening(body, this.#security)
      : { refuse: ResetReason.UnknownStream };
    if ('ignore' in opening) return;
    if ('refuse' in opening) {
      this.#sendReset(frame.streamId, opening.refuse);
      return;
    }
    this.#accepted(opening.open, frame, now);
  }

  /** Opens a stream the peer's `frame` asked for, and hands it that frame. */
  #accepted(kind: StreamKind, frame: RelayFrame, now: number): void {
    const { streamId, owner } = frame;
    const full =
      this.#streams.size >= this.#maxStreams
        ? ResetReason.StreamLimit
        : this.#owners.full(owner)
          ? ResetReason.HarnessStreamLimit
          : undefined;
    if (full !== undefined) {
      // Every refusal of a secure stream has the one name the secure relay gives its failures.
      this.#sendReset(streamId, kind === 'secure' ? ResetReason.SecureRelayProtocolError : full);
      return;
    }
    const stream = this.#add(kind, streamId, now, true);
    this.#owners.claim(streamId, owner);
    this.#opened.push({ streamId, kind, ...(owner !== undefined && { owner }) });
    stream.receive(frame, now);
  }

  #add(
    kind: StreamKind,
    streamId: string,
    now: number,
    accepted: boolean,
    generation?: SecureGeneration,
  ): StreamCore {
    const stream = createStream(kind, {
      streamId,
      config: this.config,
      now,
      linkUp: this.#linkUp,
      accepted,
      ...(generation && { generation }),
      budget: this.#budget,
    });
    if (this.#linkCongested) stream.linkCongested(true);
    this.#streams.set(streamId, stream);
    this.#touched.add(streamId);
    return stream;
  }

  #touchAll(): void {
    for (const id of this.#streams.keys()) this.#touched.add(id);
  }

  /** The touched streams' deadlines, which what was done with them may have moved. */
  #refreshDeadlines(): void {
    for (const id of this.#touched) this.#deadlines.set(id, this.#streams.get(id)?.nextDeadline());
  }

  #sendReset(streamId: string, reason: string): void {
    this.#frames.push(encodeReset(streamId, reason));
  }

  #remember(streamId: string, tombstone: Tombstone): void {
    this.#ended.set(streamId, tombstone);
    if (this.#ended.size > this.#tombstoneLimit) {
      const oldest = this.#ended.keys().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }
}
