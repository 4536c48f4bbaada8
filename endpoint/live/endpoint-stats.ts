import { emptyStreamStats, type StreamStats } from '../core/events.ts';

/** Retransmission timing of one open stream, for RTT and RTO distributions. */
export interface StreamTiming {
  /** Undefined until the first round trip was measured. */
  smoothedRttMs: number | undefined;
  rtoMs: number;
}

/** What one relay endpoint did on its sockets, since it started: ended streams included. */
export interface EndpointStats {
  /** A socket is up now. */
  linkUp: boolean;
  /** Relay frames and their bytes written to the socket / read from it. */
  framesSent: number;
  framesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Sockets opened after the first. */
  reconnects: number;
  /** Streams carried over a reconnect, each resuming where it was. */
  streamResumes: number;
  streamsOpen: number;
  streamsOpened: number;
  /** Streams reset, by reason, whichever side reset them. */
  resets: Record<string, number>;
  /** Time streams spent unable to take another message (send window full), summed over streams. */
  unwritableSeconds: number;
  /** Every stream's counters, summed. */
  streams: StreamStats;
  /** One entry per open stream. */
  timings: StreamTiming[];
}

function addInto(total: StreamStats, stats: StreamStats): void {
  for (const key of Object.keys(total) as (keyof StreamStats)[]) total[key] += stats[key];
}

/**
 * The driver's bookkeeping for EndpointStats: a few additions per frame, the
 * rest per stream event. Counters of ended streams are folded in once.
 */
export class EndpointStatsRecorder {
  #framesSent = 0;
  #framesReceived = 0;
  #bytesSent = 0;
  #bytesReceived = 0;
  #links = 0;
  #streamResumes = 0;
  #streamsOpened = 0;
  readonly #resets: Record<string, number> = {};
  readonly #ended: StreamStats = emptyStreamStats();
  readonly #open = new Map<string, StreamStats>();
  /** Since when each unwritable stream has been unwritable. */
  readonly #unwritableSince = new Map<string, number>();
  #unwritableMs = 0;

  sent(frame: Uint8Array): void {
    this.#framesSent += 1;
    this.#bytesSent += frame.length;
  }

  received(frame: Uint8Array): void {
    this.#framesReceived += 1;
    this.#bytesReceived += frame.length;
  }

  /** A socket is up; the streams already open resume on it. */
  linkUp(openStreams: number): void {
    if (this.#links > 0) this.#streamResumes += openStreams;
    this.#links += 1;
  }

  /** A stream opened; a legacy stream has no `stats` of its own. */
  opened(streamId: string, stats: StreamStats = emptyStreamStats()): void {
    this.#open.set(streamId, stats);
    this.#streamsOpened += 1;
  }

  unwritable(streamId: string, now: number): void {
    if (!this.#unwritableSince.has(streamId)) this.#unwritableSince.set(streamId, now);
  }

  writable(streamId: string, now: number): void {
    const since = this.#unwritableSince.get(streamId);
    if (since === undefined) return;
    this.#unwritableMs += now - since;
    this.#unwritableSince.delete(streamId);
  }

  reset(streamId: string, reason: string, now: number): void {
    this.writable(streamId, now);
    this.#resets[reason] = (this.#resets[reason] ?? 0) + 1;
    const stats = this.#open.get(streamId);
    if (stats === undefined) return;
    addInto(this.#ended, stats);
    this.#open.delete(streamId);
  }

  snapshot(linkUp: boolean, timings: StreamTiming[], now: number): EndpointStats {
    const streams = { ...this.#ended };
    for (const stats of this.#open.values()) addInto(streams, stats);
    let unwritableMs = this.#unwritableMs;
    for (const since of this.#unwritableSince.values()) unwritableMs += now - since;
    return {
      linkUp,
      framesSent: this.#framesSent,
      framesReceived: this.#framesReceived,
      bytesSent: this.#bytesSent,
      bytesReceived: this.#bytesReceived,
      reconnects: Math.max(0, this.#links - 1),
      streamResumes: this.#streamResumes,
      streamsOpen: this.#open.size,
      streamsOpened: this.#streamsOpened,
      resets: { ...this.#resets },
      unwritableSeconds: unwritableMs / 1000,
      streams,
      timings,
    };
  }
}
