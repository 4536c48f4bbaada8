import type { RelayFrameBody } from '../../proto/codec/index.ts';
import type { StreamConfig } from './config.ts';
import { MessageTooLargeError } from './errors.ts';
import type { StreamStats } from './events.ts';
import { RecentAck } from './recent-ack.ts';
import { RtoEstimator } from './rto.ts';
import { type Segment, Segmenter } from './segmenter.ts';
import { type AckError, type InFlightFrame, SendWindow } from './send-window.ts';

/** How the sender reaches the wire; the stream owns the frame header and the output. */
export interface SenderWire {
  /** Encodes a body under the stream's current ack state, which then rides on the frame. */
  encode(body: RelayFrameBody): Uint8Array;
  /** Puts an encoded frame on the wire at `now`. */
  write(frame: Uint8Array, now: number): void;
}

export type AckResult = { ok: true; progressed: boolean } | { ok: false; error: AckError };

/**
 * The send path of one stream (DESIGN.md §3): messages queue in the
 * segmenter until the window has room, are cut into data frames, and are
 * retransmitted byte for byte on timeout, on evidence of loss (hole-passing
 * count, time-based detection), as a tail-loss probe, or after a resume.
 * Pure: time is passed in as `now`.
 */
export class Sender {
  readonly #config: StreamConfig;
  readonly #stats: StreamStats;
  readonly #wire: SenderWire;
  readonly #window: SendWindow;
  readonly #segmenter: Segmenter;
  readonly #rto: RtoEstimator;
  readonly #recentAck = new RecentAck();
  #txCounter = 0;
  /** When frames passed by an ack become overdue (time-based loss detection). */
  #lossDeadline: number | undefined;
  /** When a stalled window probes its tail. */
  #probeDeadline: number | undefined;

  constructor(config: StreamConfig, stats: StreamStats, wire: SenderWire) {
    this.#config = config;
    this.#stats = stats;
    this.#wire = wire;
    this.#window = new SendWindow(config.windowFrames, config.windowBytes);
    this.#segmenter = new Segmenter(config.segmentBytes);
    this.#rto = new RtoEstimator(config.rto);
  }

  /** True while a new message would go straight into the send window. */
  get writable(): boolean {
    return this.#segmenter.empty && !this.#window.full;
  }

  get inFlightFrames(): number {
    return this.#window.size;
  }

  get inFlightBytes(): number {
    return this.#window.windowBytes;
  }

  get cachedBytes(): number {
    return this.#window.cachedBytes;
  }

  get smoothedRtt(): number | undefined {
    return this.#rto.smoothedRtt;
  }

  /** The seq of the next data frame cut. */
  get nextSeq(): number {
    return this.#window.nextSeq;
  }

  /** Highest seq transmitted at least once (0 before the first transmission). */
  get highestSent(): number {
    return this.#window.highestSent;
  }

  /** Data transmissions so far; each one's order is its `lastTx`. */
  get transmissions(): number {
    return this.#txCounter;
  }

  /** The retransmission timeout to arm for a transmission made now. */
  get rto(): number {
    return this.#rto.current();
  }

  /** Backs the RTO off once, as after a timeout. */
  backOff(): void {
    this.#rto.onTimeout();
  }

  /** Queues one application message; call `pump` to cut it. */
  queue(message: Uint8Array): void {
    if (message.length > this.#config.maxMessageBytes) {
      throw new MessageTooLargeError(message.length, this.#config.maxMessageBytes);
    }
    if (message.length === 0)
      throw new RangeError('an empty message cannot be sent: data payloads are non-empty');
    this.#segmenter.push(message);
  }

  /**
   * Cuts queued messages into frames while the window has room, transmitting
   * them when `linkUp`. Returns false when the seq space is used up: the
   * stream must reset with `seq_exhausted`.
   */
  pump(now: number, linkUp: boolean): boolean {
    let sent = false;
    let exhausted = false;
    for (;;) {
      const size = this.#segmenter.peekSize();
      if (size === undefined || !this.#window.hasRoomFor(size)) break;
      const seq = this.#window.nextSeq;
      if (seq >= this.#config.seqLimit) {
        exhausted = true;
        break;
      }
      const segment = this.#segmenter.take() as Segment;
      const encoded = this.#wire.encode({
        case: 'data',
        value: {
          seq,
          segmentIndex: segment.segmentIndex,
          segmentCount: segment.segmentCount,
          payload: segment.payload,
        },
      });
      const frame = this.#window.add(seq, segment.payload.length, encoded);
      this.#stats.dataFramesCut += 1;
      if (linkUp) {
        this.#transmit(frame, now);
        sent = true;
      }
    }
    if (sent) this.#armProbe(now);
    return !exhausted;
  }

  /** Applies the peer's ack header: frees what it acks, samples the RTT, feeds loss detection. */
  applyAck(ack: number, bits: number, now: number): AckResult {
    const outcome = this.#window.applyAck(ack, bits);
    if (outcome.error !== undefined) return { ok: false, error: outcome.error };
    this.#takeRttSample(outcome.newlyAcked, now);
    this.#recentAck.onAcked(outcome.newlyAcked, now, this.#rto.smoothedRtt);
    return { ok: true, progressed: outcome.newlyAcked.length > 0 };
  }

  /** New frames were acked: re-arms the tail probe and resends whatever the ack shows lost. */
  onProgress(now: number): void {
    this.#armProbe(now);
    this.#retransmitLost(now);
  }

  /** Resends every unacked frame (or only those last sent at or before transmission `upToTx`). */
  resendUnacked(now: number, upToTx = Number.POSITIVE_INFINITY): void {
    for (const frame of this.#window.unacked()) {
      if (frame.lastTx > upToTx) continue;
      if (frame.txCount > 0) this.#stats.resumeRetransmissions += 1;
      this.#transmit(frame, now);
    }
  }

  /**
   * The link is back. After a resume (`resumed`), frames cut while it was
   * down go out at once and the others wait for the peer's ack state, their
   * RTO disarmed; otherwise every unacked frame is resent.
   */
  linkRestored(now: number, resumed: boolean): void {
    for (const frame of this.#window.unacked()) {
      if (resumed && frame.txCount > 0) frame.deadline = undefined;
      else {
        if (frame.txCount > 0) this.#stats.resumeRetransmissions += 1;
        this.#transmit(frame, now);
      }
    }
  }

  /** Runs the loss detection, retransmission timeouts and tail probe that fell due at `now`. */
  tick(now: number): void {
    if (this.#lossDeadline !== undefined && now >= this.#lossDeadline) this.#retransmitLost(now);
    const rtoAt = this.#window.earliestDeadline();
    if (rtoAt !== undefined && now >= rtoAt) this.#retransmitTimedOut(now);
    if (this.#probeDeadline !== undefined && now >= this.#probeDeadline) this.#probeTail(now);
  }

  /** The earliest time `tick` has work to do, if any. */
  nextDeadline(): number | undefined {
    let next = this.#window.earliestDeadline();
    for (const at of [this.#lossDeadline, this.#probeDeadline]) {
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Drops the loss and probe deadlines (the link is gone or the stream ended). */
  stopRecovery(): void {
    this.#lossDeadline = undefined;
    this.#probeDeadline = undefined;
  }

  /** Forgets every frame in flight (after a reset). */
  clear(): void {
    this.#window.clear();
    this.stopRecovery();
  }

  #transmit(frame: InFlightFrame, now: number): void {
    if (frame.encoded === undefined) return;
    this.#wire.write(frame.encoded, now);
    frame.lastSentAt = now;
    frame.resentAsLost = false;
    frame.txCount += 1;
    this.#txCounter += 1;
    frame.lastTx = this.#txCounter;
    if (frame.txCount === 1) {
      frame.firstTx = frame.lastTx;
      frame.firstSentAt = now;
    }
    frame.deadline = now + this.#rto.current();
    this.#window.markSent(frame);
    this.#stats.dataTransmissions += 1;
  }

  /** Resends every frame whose RTO fell due, backing the RTO off once; a timeout supersedes the tail probe. */
  #retransmitTimedOut(now: number): void {
    this.#rto.onTimeout();
    for (const frame of this.#window.unacked()) {
      if (frame.deadline !== undefined && now >= frame.deadline) {
        this.#transmit(frame, now);
        this.#stats.timeoutRetransmissions += 1;
      }
    }
    this.#probeDeadline = undefined;
  }

  /**
   * Resends at once every frame an ack shows lost: passed by enough selective
   * acks, or (with a measured RTT) overdue behind a later transmission that
   * was acked. No RTO backoff: the path is evidently delivering.
   */
  #retransmitLost(now: number): void {
    const lost = new Set(this.#window.fastRetransmitCandidates(this.#config.fastRetransmitThreshold));
    this.#lossDeadline = undefined;
    const srtt = this.#rto.smoothedRtt;
    if (this.#config.timeLossDetection && srtt !== undefined) {
      const verdict = this.#recentAck.detect(this.#window.unacked(), now, srtt);
      for (const frame of verdict.lost) lost.add(frame);
      this.#lossDeadline = verdict.nextAt;
    }
    if (lost.size === 0) return;
    for (const frame of [...lost].sort((x, y) => x.seq - y.seq)) {
      this.#transmit(frame, now);
      frame.resentAsLost = true;
      this.#stats.fastRetransmissions += 1;
    }
    this.#armProbe(now);
  }

  /**
   * Arms the tail-loss probe two smoothed round trips (plus the peer's ack
   * delay) from now, when that comes before any RTO: if nothing is acked by
   * then, the newest unacked frame is resent to draw out the peer's ack state.
   */
  #armProbe(now: number): void {
    this.#probeDeadline = undefined;
    const srtt = this.#rto.smoothedRtt;
    if (!this.#config.timeLossDetection || srtt === undefined) return;
    const rtoAt = this.#window.earliestDeadline();
    if (rtoAt === undefined) return;
    const probeAt = now + 2 * srtt + this.#config.ackDelayMs;
    if (probeAt < rtoAt) this.#probeDeadline = probeAt;
  }

  /** Resends the newest unacked frame once; only new progress arms another probe. */
  #probeTail(now: number): void {
    this.#probeDeadline = undefined;
    const frame = this.#window.newestUnacked();
    if (frame === undefined) return;
    this.#transmit(frame, now);
    this.#stats.probeRetransmissions += 1;
  }

  /** Karn: sample only frames transmitted once; the latest such frame gives the freshest RTT. */
  #takeRttSample(acked: InFlightFrame[], now: number): void {
    let best: InFlightFrame | undefined;
    for (const frame of acked) {
      if (frame.txCount === 1 && (best === undefined || frame.lastTx > best.lastTx)) best = frame;
    }
    if (best !== undefined) this.#rto.sample(now - best.firstSentAt);
  }
}
