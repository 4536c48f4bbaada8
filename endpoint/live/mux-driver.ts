import { randomUUID } from 'node:crypto';
import type { StreamConfig } from '../core/config.ts';
import type { StreamEvent, StreamStats } from '../core/events.ts';
import type { ReassemblyBudget } from '../core/reassembly-budget.ts';
import { ReliableStream } from '../core/reliable-stream.ts';
import { SecureStream } from '../core/secure-stream.ts';
import type { SecureGeneration, StreamCore, StreamKind } from '../core/stream-core.ts';
import type { AcceptedSecurity } from '../mux/stream-kinds.ts';
import { StreamMux } from '../mux/stream-mux.ts';
import type { Clock } from './clock.ts';
import { type EndpointStats, EndpointStatsRecorder } from './endpoint-stats.ts';
import { LiveMessageStream, type StreamHost } from './live-stream.ts';
import type { RelayLogger } from './logger.ts';
import type { RelayStream } from './message-stream.ts';

export interface MuxDriverOptions {
  accept: boolean;
  security?: AcceptedSecurity;
  clock: Clock;
  maxStreams?: number;
  maxStreamsPerOwner?: number;
  maxReassemblyBytes?: number;
  stream?: Partial<StreamConfig>;
  logger?: RelayLogger;
}

/** A legacy stream keeps no reliability counters. */
function statsOf(core: StreamCore): StreamStats | undefined {
  return core instanceof ReliableStream || core instanceof SecureStream ? core.stats : undefined;
}

/** The reliable stream a core runs on, if any: a secure stream's records once established. */
function reliableOf(core: StreamCore): ReliableStream | undefined {
  return core instanceof SecureStream ? core.reliable : core instanceof ReliableStream ? core : undefined;
}

/**
 * Runs a StreamMux in real time: one timer armed at the mux's next deadline,
 * frames out to whichever socket is current, output dispatched to the live
 * MessageStream objects.
 */
export class MuxDriver implements StreamHost {
  readonly #mux: StreamMux;
  readonly #live = new Map<string, LiveMessageStream>();
  readonly #streamListeners = new Set<(stream: RelayStream) => void>();
  readonly #logger: RelayLogger | undefined;
  readonly #clock: Clock;
  readonly #stats = new EndpointStatsRecorder();
  #sink: ((frame: Uint8Array) => void) | undefined;
  /** Cancels the one pending timer, if any. */
  #cancelTimer: (() => void) | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  /** The due deadline the last immediate was armed for. */
  #immediateFor: number | undefined;
  #flushing = false;
  #flushAgain = false;

  constructor(options: MuxDriverOptions) {
    const { accept, security, maxStreams, maxStreamsPerOwner, maxReassemblyBytes, stream } = options;
    this.#mux = new StreamMux(
      { accept, security, maxStreams, maxStreamsPerOwner, maxReassemblyBytes, stream },
      false,
    );
    this.#logger = options.logger;
    this.#clock = options.clock;
  }

  now(): number {
    return this.#clock.now();
  }

  get maxMessageBytes(): number {
    return this.#mux.config.maxMessageBytes;
  }

  get reassemblyBudget(): ReassemblyBudget {
    return this.#mux.reassemblyBudget;
  }

  onStream(listener: (stream: RelayStream) => void): () => void {
    this.#streamListeners.add(listener);
    return () => this.#streamListeners.delete(listener);
  }

  openStream(
    streamId: string = randomUUID(),
    kind: StreamKind = 'reliable',
    generation?: SecureGeneration,
  ): RelayStream {
    const core = this.#mux.open(streamId, this.now(), kind, generation);
    const stream = new LiveMessageStream(streamId, kind, this, core.state);
    this.#live.set(streamId, stream);
    this.#stats.opened(streamId, statsOf(core));
    this.#flush();
    return stream;
  }

  get streamCount(): number {
    return this.#mux.size;
  }

  /** Counters of this endpoint's sockets and streams (EndpointStats). */
  stats(): EndpointStats {
    const timings = this.#mux.ids().flatMap((id) => {
      const core = this.#mux.peek(id);
      const reliable = core === undefined ? undefined : reliableOf(core);
      return reliable === undefined ? [] : [{ smoothedRttMs: reliable.smoothedRtt, rtoMs: reliable.rto }];
    });
    return this.#stats.snapshot(this.#sink !== undefined, timings, this.now());
  }

  /** A socket is open: frames go to `sink`, and every live stream resumes. */
  linkUp(sink: (frame: Uint8Array) => void): void {
    this.#sink = sink;
    this.#stats.linkUp(this.#mux.size);
    this.#mux.linkRestored(this.now());
    this.#flush();
  }

  linkDown(): void {
    this.#sink = undefined;
    this.#mux.linkLost(this.now());
    this.#flush();
  }

  /** The socket has too much queued (or has drained): legacy streams stop (or resume) taking messages. */
  linkCongested(congested: boolean): void {
    this.#mux.linkCongested(congested);
    this.#flush();
  }

  receive(bytes: Uint8Array): void {
    this.#stats.received(bytes);
    this.#mux.receive(bytes, this.now());
    this.#flush();
  }

  /** Resets every stream with `reason` (sent if a socket is up). */
  resetAll(reason: string): void {
    const now = this.now();
    for (const id of this.#mux.ids()) this.#mux.get(id)?.reset(reason, now);
    this.#flush();
  }

  stop(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  send(streamId: string, message: Uint8Array): boolean {
    const core = this.#mux.get(streamId);
    if (core === undefined) return false;
    const writable = core.send(message, this.now());
    if (!writable) this.#stats.unwritable(streamId, this.now());
    this.#flush();
    return writable;
  }

  busy(streamId: string): boolean {
    return this.#mux.peek(streamId)?.busy ?? false;
  }

  sendHandshake(streamId: string, payload: Uint8Array): void {
    const core = this.#mux.get(streamId);
    if (!(core instanceof SecureStream)) return;
    core.sendHandshake(payload, this.now());
    this.#flush();
  }

  writable(streamId: string): boolean {
    return this.#mux.peek(streamId)?.writable ?? false;
  }

  pauseReceiving(streamId: string): void {
    this.#mux.get(streamId)?.pauseReceiving();
    this.#flush();
  }

  resumeReceiving(streamId: string): void {
    this.#mux.get(streamId)?.resumeReceiving(this.now());
    this.#flush();
  }

  reset(streamId: string, reason: string): void {
    this.#mux.get(streamId)?.reset(reason, this.now());
    this.#flush();
  }

  #flush(): void {
    if (this.#flushing) {
      this.#flushAgain = true;
      return;
    }
    this.#flushing = true;
    try {
      do {
        this.#flushAgain = false;
        const out = this.#mux.drain();
        if (this.#sink !== undefined) {
          for (const frame of out.frames) {
            this.#stats.sent(frame);
            this.#sink(frame);
          }
        }
        const born: LiveMessageStream[] = [];
        for (const { streamId: id, kind, owner } of out.opened) {
          const core = this.#mux.peek(id);
          const stream = new LiveMessageStream(id, kind, this, core?.state ?? 'reset', owner);
          this.#live.set(id, stream);
          if (core !== undefined) this.#stats.opened(id, statsOf(core));
          born.push(stream);
        }
        for (const stream of born) for (const listener of [...this.#streamListeners]) listener(stream);
        for (const s of out.streams) {
          this.#noteEvents(s.streamId, s.events);
          const stream = this.#live.get(s.streamId);
          if (stream === undefined) continue;
          if (s.events.some((e) => e.type === 'reset')) this.#live.delete(s.streamId);
          try {
            stream.dispatch(s.messages, s.events);
          } catch (err) {
            this.#logger?.error?.({ err, streamId: s.streamId }, 'stream listener threw');
          }
        }
        if (out.frames.length > 0 || out.streams.length > 0 || out.opened.length > 0) this.#flushAgain = true;
      } while (this.#flushAgain);
    } finally {
      this.#flushing = false;
    }
    this.#arm();
  }

  #noteEvents(streamId: string, events: readonly StreamEvent[]): void {
    for (const event of events) {
      if (event.type === 'writable') this.#stats.writable(streamId, this.now());
      else if (event.type === 'reset') this.#stats.reset(streamId, event.reason, this.now());
    }
  }

  /** Keeps exactly one timer, at the earliest deadline of any stream. */
  #arm(): void {
    const deadline = this.#mux.nextDeadline();
    if (deadline === undefined) {
      this.stop();
      return;
    }
    if (this.#cancelTimer !== undefined && this.#timerAt <= deadline) return;
    this.stop();
    this.#timerAt = deadline;
    const fire = () => {
      this.#cancelTimer = undefined;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#mux.tick(this.now());
      this.#flush();
    };
    // Something due now (an ack owed after a burst, a resend) goes out right
    // after the pending socket reads, not a timer tick (≥ 1 ms) later: acks
    // are what reopen the peer's send window. A deadline still due after its
    // immediate ran waits for a timer, so it can never spin the event loop.
    const delay = deadline - this.now();
    const immediate = delay <= 0 && deadline !== this.#immediateFor;
    this.#immediateFor = immediate ? deadline : undefined;
    this.#cancelTimer = this.#clock.after(immediate ? 0 : Math.max(1, delay), fire);
  }
}
