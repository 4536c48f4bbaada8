import { decodeFrame, encodeReset, peekHeader, type RelayFrame } from '../../proto/codec/index.ts';
import { ResetReason } from '../../proto/reset-reasons.ts';
import { ACK_WINDOW, resolveStreamConfig, type StreamConfig } from '../core/config.ts';
import type { StreamEvent } from '../core/events.ts';
import { ReliableStream } from '../core/reliable-stream.ts';

export interface StreamMuxOptions {
  /** Accepting side (the executor): streams the peer starts are opened here. */
  accept: boolean;
  /** Live streams at most (default 128). */
  maxStreams?: number;
  stream?: Partial<StreamConfig>;
  /** How many ended stream ids are remembered to answer late frames (default 1024). */
  tombstones?: number;
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
  /** Streams the peer opened (accepting side only), in order of arrival. */
  opened: string[];
  streams: MuxStreamOutput[];
}

export class StreamLimitError extends Error {
  constructor(limit: number) {
    super(`stream limit of ${limit} reached`);
    this.name = 'StreamLimitError';
  }
}

export const DEFAULT_MAX_STREAMS = 128;

/**
 * Many reliable streams over one frame channel, keyed by `stream_id`. Pure
 * like the streams it holds: frames in, frames out, time passed in. A bad
 * frame or a reset touches only its own stream.
 */
export class StreamMux {
  readonly config: StreamConfig;
  readonly #accept: boolean;
  readonly #maxStreams: number;
  readonly #tombstoneLimit: number;
  readonly #streams = new Map<string, ReliableStream>();
  /** Ended streams and their reason, oldest first. */
  readonly #ended = new Map<string, string>();
  #linkUp: boolean;
  #frames: Uint8Array[] = [];
  #opened: string[] = [];
  #endedOutputs: MuxStreamOutput[] = [];

  constructor(options: StreamMuxOptions, linkUp: boolean) {
    this.#accept = options.accept;
    this.#maxStreams = options.maxStreams ?? DEFAULT_MAX_STREAMS;
    this.#tombstoneLimit = options.tombstones ?? 1024;
    this.config = resolveStreamConfig(options.stream);
    this.#linkUp = linkUp;
  }

  get size(): number {
    return this.#streams.size;
  }

  get(streamId: string): ReliableStream | undefined {
    return this.#streams.get(streamId);
  }

  ids(): string[] {
    return [...this.#streams.keys()];
  }

  /** Starts a stream from this side. */
  open(streamId: string, now: number): ReliableStream {
    if (this.#streams.has(streamId)) throw new Error(`stream ${streamId} is already open`);
    if (this.#streams.size >= this.#maxStreams) throw new StreamLimitError(this.#maxStreams);
    this.#ended.delete(streamId);
    const stream = new ReliableStream(streamId, this.config, now, { linkUp: this.#linkUp });
    this.#streams.set(streamId, stream);
    return stream;
  }

  /** One binary message from the physical channel. */
  receive(bytes: Uint8Array, now: number): void {
    const decoded = decodeFrame(bytes);
    if (!decoded.ok) {
      const header = peekHeader(bytes);
      if (!header.ok) return; // no readable stream id: nothing to blame, the frame is dropped
      this.#streams.get(header.value.streamId)?.protocolError(decoded.error.code, now);
      return;
    }
    const frame = decoded.value;
    const stream = this.#streams.get(frame.streamId);
    if (stream !== undefined) {
      stream.receive(frame, now);
      return;
    }
    this.#receiveForUnknown(frame, now);
  }

  tick(now: number): void {
    for (const stream of this.#streams.values()) stream.tick(now);
  }

  linkLost(now: number): void {
    this.#linkUp = false;
    for (const stream of this.#streams.values()) stream.linkLost(now);
  }

  linkRestored(now: number): void {
    this.#linkUp = true;
    for (const stream of this.#streams.values()) stream.linkRestored(now);
  }

  nextDeadline(): number | undefined {
    let next: number | undefined;
    for (const stream of this.#streams.values()) {
      const d = stream.nextDeadline();
      if (d !== undefined && (next === undefined || d < next)) next = d;
    }
    return next;
  }

  /** Collects every stream's output; ended streams are removed and remembered. */
  drain(): MuxOutput {
    const frames = this.#frames;
    const streams = this.#endedOutputs;
    this.#frames = [];
    this.#endedOutputs = [];
    for (const [id, stream] of this.#streams) {
      const out = stream.drain();
      for (const f of out.frames) frames.push(f);
      if (out.messages.length > 0 || out.events.length > 0) {
        streams.push({ streamId: id, messages: out.messages, events: out.events });
      }
      if (stream.state === 'reset') {
        this.#streams.delete(id);
        this.#remember(id, stream.reason ?? ResetReason.Closed);
      }
    }
    const opened = this.#opened;
    this.#opened = [];
    return { frames, opened, streams };
  }

  #receiveForUnknown(frame: RelayFrame, now: number): void {
    const body = frame.body;
    if (body.case === 'reset') return; // a reset is never answered
    const endedReason = this.#ended.get(frame.streamId);
    if (endedReason !== undefined) {
      this.#sendReset(frame.streamId, endedReason);
      return;
    }
    const opens =
      (body.case === 'data' && body.value.seq <= ACK_WINDOW) ||
      (body.case === 'resume' && body.value.nextSeq <= 1);
    if (!this.#accept || !opens) {
      this.#sendReset(frame.streamId, ResetReason.UnknownStream);
      return;
    }
    if (this.#streams.size >= this.#maxStreams) {
      this.#sendReset(frame.streamId, ResetReason.StreamLimit);
      return;
    }
    const stream = new ReliableStream(frame.streamId, this.config, now, {
      linkUp: this.#linkUp,
      heardFromPeer: true,
    });
    this.#streams.set(frame.streamId, stream);
    this.#opened.push(frame.streamId);
    stream.receive(frame, now);
  }

  #sendReset(streamId: string, reason: string): void {
    this.#frames.push(encodeReset(streamId, reason));
  }

  #remember(streamId: string, reason: string): void {
    this.#ended.set(streamId, reason);
    if (this.#ended.size > this.#tombstoneLimit) {
      const oldest = this.#ended.keys().next().value;
      if (oldest !== undefined) this.#ended.delete(oldest);
    }
  }
}
