import {
  encodeFrame,
  encodeReset,
  RELAY_FRAME_VERSION,
  type RelayDataBody,
  type RelayFrame,
  type RelayFrameBody,
} from '../../proto/codec/index.ts';
import { AckState } from './ack-state.ts';
import type { StreamConfig } from './config.ts';
import { MessageTooLargeError, StreamClosedError } from './errors.ts';
import type { StreamEvent, StreamOutput, StreamState, StreamStats } from './events.ts';
import { Reassembler } from './reassembler.ts';
import { RecentAck } from './recent-ack.ts';
import { RtoEstimator } from './rto.ts';
import { Segmenter } from './segmenter.ts';
import { type InFlightFrame, SendWindow } from './send-window.ts';

export interface ReliableStreamOptions {
  /** Whether the physical link is up when the stream is created. */
  linkUp: boolean;
  /** True on the accepting side, where the stream is born from a peer's frame. */
  heardFromPeer?: boolean;
}

/**
 * One `stream_id`, both directions, as a pure state machine (DESIGN.md §3).
 * Every input takes `now` (ms); outputs accumulate until `drain()`. It never
 * reads a clock or arms a timer: the caller calls `tick(now)` at
 * `nextDeadline()`.
 */
export class ReliableStream {
  readonly streamId: string;
  private readonly config: StreamConfig;
  private readonly window: SendWindow;
  private readonly segmenter: Segmenter;
  private readonly rto: RtoEstimator;
  private readonly recentAck = new RecentAck();
  private readonly received = new AckState();
  private readonly reorder = new Map<number, RelayDataBody>();
  private reorderBytes = 0;
  private readonly reassembler: Reassembler;

  private out: StreamOutput = { frames: [], messages: [], events: [] };
  private resetReason: string | undefined;
  private linkUp: boolean;
  private peerSilent = false;
  private heardFromPeer: boolean;
  private lastHeardAt: number;
  private lastSentAt: number;
  private txCounter = 0;
  private ackDeadline: number | undefined;
  private framesSinceAck = 0;
  /** Transmission counter at our latest resume: later transmissions need no resend. */
  private resumeTx = 0;
  /**
   * Set while a resume we sent awaits the peer's ack state (the first one
   * heard triggers resends); the resume is repeated when it falls due.
   */
  private resumeDeadline: number | undefined;
  /** When frames passed by an ack become overdue (time-based loss detection). */
  private lossDeadline: number | undefined;
  /** When a stalled window probes its tail. */
  private probeDeadline: number | undefined;
  private lastState: StreamState;
  private wasWritable = true;
  /** Receive pause: new data frames are refused (as if lost) so the peer's window fills. */
  private receivePaused = false;
  /** A data frame was refused during the current pause, so un-pausing must kick the peer. */
  private refusedWhilePaused = false;

  readonly stats: StreamStats = {
    dataFramesCut: 0,
    dataTransmissions: 0,
    timeoutRetransmissions: 0,
    fastRetransmissions: 0,
    probeRetransmissions: 0,
    resumeRetransmissions: 0,
    acksSent: 0,
    duplicatesReceived: 0,
    refusedWhilePaused: 0,
    messagesDelivered: 0,
  };

  constructor(streamId: string, config: StreamConfig, now: number, options: ReliableStreamOptions) {
    this.streamId = streamId;
    this.config = config;
    this.window = new SendWindow(config.windowFrames, config.windowBytes);
    this.segmenter = new Segmenter(config.segmentBytes);
    this.rto = new RtoEstimator(config.rto);
    this.reassembler = new Reassembler(config.maxMessageBytes);
    this.linkUp = options.linkUp;
    this.heardFromPeer = options.heardFromPeer ?? false;
    this.lastHeardAt = now;
    this.lastSentAt = now;
    this.lastState = this.state;
  }

  get state(): StreamState {
    if (this.resetReason !== undefined) return 'reset';
    return this.linkUp && !this.peerSilent ? 'open' : 'suspended';
  }

  get reason(): string | undefined {
    return this.resetReason;
  }

  /** True while a new message would go straight into the send window. */
  get writable(): boolean {
    return this.resetReason === undefined && this.segmenter.empty && !this.window.full;
  }

  /** Data frames in the window (sent, not cumulatively acked). */
  get inFlightFrames(): number {
    return this.window.size;
  }

  /** Payload bytes in the window. */
  get inFlightBytes(): number {
    return this.window.windowBytes;
  }

  /** Encoded frame bytes cached for resends. */
  get cachedBytes(): number {
    return this.window.cachedBytes;
  }

  /** Out-of-order payload bytes held by the receiver. */
  get reorderBufferBytes(): number {
    return this.reorderBytes;
  }

  /** True between `pauseReceiving` and `resumeReceiving`. */
  get receiving(): boolean {
    return !this.receivePaused;
  }

  get smoothedRtt(): number | undefined {
    return this.rto.smoothedRtt;
  }

  /**
   * Takes one application message (always, up to the size limit). Returns
   * `writable` afterwards: false means the caller should pause its producer
   * until a `writable` event.
   */
  send(message: Uint8Array, now: number): boolean {
    if (this.resetReason !== undefined) throw new StreamClosedError(this.streamId, this.resetReason);
    if (message.length > this.config.maxMessageBytes) {
      throw new MessageTooLargeError(message.length, this.config.maxMessageBytes);
    }
    if (message.length === 0)
      throw new RangeError('an empty message cannot be sent: data payloads are non-empty');
    this.segmenter.push(message);
    this.pump(now);
    this.noteChanges();
    return this.writable;
  }

  /** One inbound frame for this stream, already decoded and validated by the codec. */
  receive(frame: RelayFrame, now: number): void {
    if (this.resetReason !== undefined) return;
    const body = frame.body;
    if (body.case === 'reset') {
      this.terminate(body.value.reason, true);
      return;
    }
    this.lastHeardAt = now;
    this.heardFromPeer = true;
    this.peerSilent = false;

    const outcome = this.window.applyAck(frame.ack, frame.ackBits);
    if (outcome.error !== undefined) {
      this.protocolError(outcome.error, now);
      return;
    }
    this.takeRttSample(outcome.newlyAcked, now);
    this.recentAck.onAcked(outcome.newlyAcked, now, this.rto.smoothedRtt);

    if (body.case === 'data') {
      this.receiveData(body.value, now);
    } else if (body.case === 'resume') {
      const highest = this.received.highest();
      if (highest > 0 && highest >= body.value.nextSeq) {
        this.protocolError('resume_behind_received', now);
        return;
      }
      this.resendUnacked(now);
      this.resumeDeadline = undefined;
      this.sendAck(now);
    }
    if (this.resetReason !== undefined) return;

    if (this.resumeDeadline !== undefined) {
      this.resumeDeadline = undefined;
      this.resendUnacked(now, this.resumeTx);
    } else if (outcome.newlyAcked.length > 0) {
      this.armProbe(now);
      this.retransmitLost(now);
    }
    this.pump(now);
    this.noteChanges();
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
    if (this.resetReason !== undefined) return;
    this.receivePaused = true;
  }

  /**
   * Ends a receive pause. If anything was refused meanwhile, sends
   * `resume{next_seq}` with the ack state, so the peer resends every unacked
   * frame at once instead of waiting out its (backed-off) RTO; the resume is
   * repeated on the RTO until the peer is heard. With the link down, the
   * resume sent on `linkRestored` does the same. Idempotent.
   */
  resumeReceiving(now: number): void {
    if (this.resetReason !== undefined || !this.receivePaused) return;
    this.receivePaused = false;
    const refused = this.refusedWhilePaused;
    this.refusedWhilePaused = false;
    if (refused && this.linkUp) this.sendResume(now);
    this.noteChanges();
  }

  /** Runs whatever fell due at `now`: delayed acks, retransmissions, heartbeats, silence. */
  tick(now: number): void {
    if (this.resetReason !== undefined) return;
    if (this.linkUp) {
      if (this.ackDeadline !== undefined && now >= this.ackDeadline) this.sendAck(now);
      if (this.resumeDeadline !== undefined && now >= this.resumeDeadline) {
        this.rto.onTimeout();
        this.sendResume(now);
      }
      if (this.lossDeadline !== undefined && now >= this.lossDeadline) this.retransmitLost(now);
      const rtoAt = this.window.earliestDeadline();
      if (rtoAt !== undefined && now >= rtoAt) this.retransmitTimedOut(now);
      if (this.probeDeadline !== undefined && now >= this.probeDeadline) this.probeTail(now);
      if (this.established) {
        if (this.heardFromPeer && now >= this.heartbeatAt) this.emit({ case: 'heartbeat', value: {} }, now);
        if (!this.peerSilent && now >= this.silentAt) this.peerSilent = true;
      }
    }
    this.noteChanges();
  }

  /** The physical link is gone: frames in flight are lost, nothing is sent until `linkRestored`. */
  linkLost(_now: number): void {
    if (this.resetReason !== undefined) return;
    this.linkUp = false;
    this.stopRecovery();
    this.noteChanges();
  }

  /**
   * The physical link is back. A stream the peer has heard of sends
   * `resume{next_seq}`; one that never heard its peer resends its frames
   * instead (all seqs ≤ 32, so they open the stream on the accepting side).
   */
  linkRestored(now: number): void {
    if (this.resetReason !== undefined) return;
    this.linkUp = true;
    // A reconnect is no news from the peer: after an outage longer than the
    // silence period the stream stays suspended until the peer is heard.
    if (this.established && now >= this.silentAt) this.peerSilent = true;
    if (this.heardFromPeer) {
      this.sendResume(now);
      for (const frame of this.window.unacked()) {
        if (frame.txCount === 0) this.transmit(frame, now);
        else frame.deadline = undefined;
      }
    } else {
      for (const frame of this.window.unacked()) this.transmit(frame, now);
    }
    this.pump(now);
    this.noteChanges();
  }

  /** Resets the stream from this side: sends `reset{reason}` and stops. */
  reset(reason: string, now: number): void {
    if (this.resetReason !== undefined) return;
    this.out.frames.push(encodeReset(this.streamId, reason));
    this.lastSentAt = now;
    this.terminate(reason, false);
  }

  /** A frame for this stream broke the protocol: reset with `protocol_error:<code>`. */
  protocolError(code: string, now: number): void {
    this.reset(`protocol_error:${code}`, now);
  }

  /** The earliest time `tick` has work to do, if any. */
  nextDeadline(): number | undefined {
    if (this.resetReason !== undefined || !this.linkUp) return undefined;
    let next = Number.POSITIVE_INFINITY;
    if (this.ackDeadline !== undefined) next = Math.min(next, this.ackDeadline);
    if (this.resumeDeadline !== undefined) next = Math.min(next, this.resumeDeadline);
    if (this.lossDeadline !== undefined) next = Math.min(next, this.lossDeadline);
    if (this.probeDeadline !== undefined) next = Math.min(next, this.probeDeadline);
    const rtoAt = this.window.earliestDeadline();
    if (rtoAt !== undefined) next = Math.min(next, rtoAt);
    if (this.established) {
      if (this.heardFromPeer) next = Math.min(next, this.heartbeatAt);
      if (!this.peerSilent) next = Math.min(next, this.silentAt);
    }
    return Number.isFinite(next) ? next : undefined;
  }

  drain(): StreamOutput {
    const out = this.out;
    this.out = { frames: [], messages: [], events: [] };
    return out;
  }

  private get established(): boolean {
    return this.heardFromPeer || this.window.highestSent > 0;
  }

  /**
   * When an idle stream that has heard its peer sends its next heartbeat.
   * Before the peer is heard, a heartbeat could overtake a lost first data
   * frame and be answered with `unknown_stream`; the unacked data's own
   * resends keep such a stream alive instead.
   */
  private get heartbeatAt(): number {
    return this.lastSentAt + this.config.heartbeatMs;
  }

  /** When an established stream that hears nothing more suspends. */
  private get silentAt(): number {
    return this.lastHeardAt + this.config.silentIntervals * this.config.heartbeatMs;
  }

  private receiveData(data: RelayDataBody, now: number): void {
    const seq = data.seq;
    const kind = this.received.classify(seq);
    if (kind === 'new' && this.receivePaused) {
      // Refused as if lost: neither held nor acked (a held frame is a duplicate and is re-acked below).
      this.stats.refusedWhilePaused += 1;
      this.refusedWhilePaused = true;
      return;
    }
    // A duplicate, a frame past a hole or one filling a hole changes what the sender should resend: ack at once.
    this.scheduleAck(now, kind === 'duplicate' || seq !== this.received.ack + 1 || this.received.bits !== 0);
    if (kind === 'duplicate') {
      this.stats.duplicatesReceived += 1;
      return;
    }
    if (kind === 'beyond_window') {
      this.protocolError('seq_beyond_window', now);
      return;
    }
    if (seq !== this.received.ack + 1) {
      // Past a hole: held until the hole fills (the ack cannot advance yet).
      if (this.reorderBytes + data.payload.length > this.config.windowBytes) {
        this.protocolError('receive_buffer_overflow', now);
        return;
      }
      this.reorderBytes += data.payload.length;
      this.reorder.set(seq, data);
      this.received.record(seq);
      return;
    }
    // In order: deliver it and every held frame it joins to the cumulative ack.
    const after = this.received.record(seq);
    for (let s = seq; s <= after; s += 1) {
      let next = data;
      if (s !== seq) {
        next = this.reorder.get(s) as RelayDataBody;
        this.reorder.delete(s);
        this.reorderBytes -= next.payload.length;
      }
      const result = this.reassembler.push(s, next);
      if (!result.ok) {
        this.protocolError(result.code, now);
        return;
      }
      if (result.message !== undefined) {
        this.out.messages.push(result.message);
        this.stats.messagesDelivered += 1;
      }
    }
  }

  /**
   * Owes the peer an ack: within `ackDelayMs`, or at once after `ackEveryFrames`
   * data frames (so one lost standalone ack never leaves a whole burst to its
   * RTO) or when `urgent`.
   */
  private scheduleAck(now: number, urgent: boolean): void {
    this.framesSinceAck += 1;
    if (this.ackDeadline === undefined) this.ackDeadline = now + this.config.ackDelayMs;
    if (urgent || this.framesSinceAck >= this.config.ackEveryFrames) this.ackDeadline = now;
  }

  /** Cuts queued messages into frames while the window has room, sending them when the link is up. */
  private pump(now: number): void {
    let sent = false;
    while (this.resetReason === undefined) {
      const size = this.segmenter.peekSize();
      if (size === undefined || !this.window.hasRoomFor(size)) break;
      const seq = this.window.nextSeq;
      if (seq >= this.config.seqLimit) {
        this.reset('seq_exhausted', now);
        break;
      }
      const segment = this.segmenter.take() as NonNullable<ReturnType<Segmenter['take']>>;
      const body: RelayFrameBody = {
        case: 'data',
        value: {
          seq,
          segmentIndex: segment.segmentIndex,
          segmentCount: segment.segmentCount,
          payload: segment.payload,
        },
      };
      const encoded = encodeFrame(this.frame(body));
      this.clearAckOwed();
      const frame = this.window.add(seq, segment.payload.length, encoded);
      this.stats.dataFramesCut += 1;
      if (this.linkUp) {
        this.transmit(frame, now);
        sent = true;
      }
    }
    if (sent) this.armProbe(now);
  }

  private transmit(frame: InFlightFrame, now: number): void {
    if (frame.encoded === undefined) return;
    this.out.frames.push(frame.encoded);
    frame.lastSentAt = now;
    frame.resentAsLost = false;
    frame.txCount += 1;
    this.txCounter += 1;
    frame.lastTx = this.txCounter;
    if (frame.txCount === 1) {
      frame.firstTx = frame.lastTx;
      frame.firstSentAt = now;
    }
    frame.deadline = now + this.rto.current();
    this.window.markSent(frame);
    this.stats.dataTransmissions += 1;
    this.lastSentAt = now;
  }

  /** Resends every frame whose RTO fell due, backing the RTO off once; a timeout supersedes the tail probe. */
  private retransmitTimedOut(now: number): void {
    this.rto.onTimeout();
    for (const frame of this.window.unacked()) {
      if (frame.deadline !== undefined && now >= frame.deadline) {
        this.transmit(frame, now);
        this.stats.timeoutRetransmissions += 1;
      }
    }
    this.probeDeadline = undefined;
  }

  /** Resends every unacked frame (or only those last sent at or before transmission `upToTx`). */
  private resendUnacked(now: number, upToTx = Number.POSITIVE_INFINITY): void {
    for (const frame of this.window.unacked()) {
      if (frame.lastTx > upToTx) continue;
      if (frame.txCount > 0) this.stats.resumeRetransmissions += 1;
      this.transmit(frame, now);
    }
  }

  /**
   * Resends at once every frame an ack shows lost: passed by enough selective
   * acks, or (with a measured RTT) overdue behind a later transmission that
   * was acked. No RTO backoff: the path is evidently delivering.
   */
  private retransmitLost(now: number): void {
    const lost = new Set(this.window.fastRetransmitCandidates(this.config.fastRetransmitThreshold));
    this.lossDeadline = undefined;
    const srtt = this.rto.smoothedRtt;
    if (this.config.timeLossDetection && srtt !== undefined) {
      const verdict = this.recentAck.detect(this.window.unacked(), now, srtt);
      for (const frame of verdict.lost) lost.add(frame);
      this.lossDeadline = verdict.nextAt;
    }
    if (lost.size === 0) return;
    for (const frame of [...lost].sort((x, y) => x.seq - y.seq)) {
      this.transmit(frame, now);
      frame.resentAsLost = true;
      this.stats.fastRetransmissions += 1;
    }
    this.armProbe(now);
  }

  /**
   * Arms the tail-loss probe two smoothed round trips (plus the peer's ack
   * delay) from now, when that comes before any RTO: if nothing is acked by
   * then, the newest unacked frame is resent to draw out the peer's ack state.
   */
  private armProbe(now: number): void {
    this.probeDeadline = undefined;
    const srtt = this.rto.smoothedRtt;
    if (!this.config.timeLossDetection || srtt === undefined) return;
    const rtoAt = this.window.earliestDeadline();
    if (rtoAt === undefined) return;
    const probeAt = now + 2 * srtt + this.config.ackDelayMs;
    if (probeAt < rtoAt) this.probeDeadline = probeAt;
  }

  /** Resends the newest unacked frame once; only new progress arms another probe. */
  private probeTail(now: number): void {
    this.probeDeadline = undefined;
    const frame = this.window.newestUnacked();
    if (frame === undefined) return;
    this.transmit(frame, now);
    this.stats.probeRetransmissions += 1;
  }

  /** Karn: sample only frames transmitted once; the latest such frame gives the freshest RTT. */
  private takeRttSample(acked: InFlightFrame[], now: number): void {
    let best: InFlightFrame | undefined;
    for (const frame of acked) {
      if (frame.txCount === 1 && (best === undefined || frame.lastTx > best.lastTx)) best = frame;
    }
    if (best !== undefined) this.rto.sample(now - best.firstSentAt);
  }

  private sendResume(now: number): void {
    this.emit({ case: 'resume', value: { nextSeq: this.window.nextSeq } }, now);
    this.resumeTx = this.txCounter;
    this.resumeDeadline = now + this.rto.current();
  }

  /** A frame carrying the current ack state (every body but a reset, which `reset` encodes). */
  private frame(body: RelayFrameBody): RelayFrame {
    return {
      version: RELAY_FRAME_VERSION,
      streamId: this.streamId,
      ack: this.received.ack,
      ackBits: this.received.bits,
      body,
    };
  }

  /** Emits a non-data frame carrying the current ack state. */
  private emit(body: RelayFrameBody, now: number): void {
    this.out.frames.push(encodeFrame(this.frame(body)));
    this.lastSentAt = now;
    this.clearAckOwed();
  }

  private sendAck(now: number): void {
    this.emit({ case: 'ackFrame', value: {} }, now);
    this.stats.acksSent += 1;
  }

  private clearAckOwed(): void {
    this.framesSinceAck = 0;
    this.ackDeadline = undefined;
  }

  private terminate(reason: string, byPeer: boolean): void {
    this.resetReason = reason;
    this.window.clear();
    this.reorder.clear();
    this.reorderBytes = 0;
    this.ackDeadline = undefined;
    this.stopRecovery();
    this.out.events.push({ type: 'reset', reason, byPeer });
    this.noteChanges();
  }

  /** Drops the resume, loss and probe deadlines (the link is gone or the stream ended). */
  private stopRecovery(): void {
    this.resumeDeadline = undefined;
    this.lossDeadline = undefined;
    this.probeDeadline = undefined;
  }

  /** Emits state and writability transitions once each. */
  private noteChanges(): void {
    const state = this.state;
    if (state !== this.lastState) {
      this.lastState = state;
      if (state !== 'reset') this.out.events.push({ type: 'state', state } satisfies StreamEvent);
    }
    const writable = this.writable;
    if (writable && !this.wasWritable) this.out.events.push({ type: 'writable' });
    this.wasWritable = writable;
  }
}
