import type { InFlightFrame } from './send-window.ts';

export interface TimeLossVerdict {
  /** Unacked frames whose ack is overdue behind a later transmission that was acked. */
  lost: InFlightFrame[];
  /** When the next frame passed by an ack becomes overdue, if any is still waiting. */
  nextAt: number | undefined;
}

/**
 * Time-based loss detection in the manner of RACK (RFC 8985): once a frame
 * transmitted later has been acked, an earlier transmission whose ack has not
 * come within that frame's round trip plus a reordering allowance is lost.
 * It sees holes the hole-passing count cannot (a hole near the end of a full
 * window, a lost retransmission) without waiting for the RTO. The reordering
 * allowance is zero until the path has shown reordering, then a quarter of
 * the smoothed RTT.
 */
export class RecentAck {
  /** Transmission order of the latest-transmitted frame known to be delivered (0: none). */
  #tx = 0;
  /** Round trip of that transmission. */
  #rtt = 0;
  /** Highest seq acked so far. */
  #highestSeq = 0;
  #reorderingSeen = false;

  /**
   * Notes frames acked at `now` for the first time, setting each one's
   * `deliveredTx`. When a frame went out more than once, the ack may be for
   * any copy, so only the first is surely delivered; unless an ack had shown
   * the frame missing after a later transmission arrived (the path keeps
   * order, so every earlier copy was lost and the ack is for the resend).
   */
  onAcked(frames: readonly InFlightFrame[], now: number, smoothedRtt: number | undefined): void {
    let highestSeq = this.#highestSeq;
    for (const frame of frames) {
      // A frame sent once and acked after a higher seq arrived late: the path reorders.
      if (frame.txCount === 1 && frame.seq < this.#highestSeq) this.#reorderingSeen = true;
      highestSeq = Math.max(highestSeq, frame.seq);
      let latestKnown = frame.txCount === 1 || frame.resentAsLost;
      // Acked far sooner than a round trip after a resend for loss: the copy shown missing was overtaken.
      if (frame.resentAsLost && smoothedRtt !== undefined && now - frame.lastSentAt < smoothedRtt / 2) {
        this.#reorderingSeen = true;
        latestKnown = false;
      }
      const tx = latestKnown ? frame.lastTx : frame.firstTx;
      frame.deliveredTx = tx;
      if (tx <= this.#tx) continue;
      this.#tx = tx;
      this.#rtt = now - (latestKnown ? frame.lastSentAt : frame.firstSentAt);
    }
    this.#highestSeq = highestSeq;
  }

  /** Applies the rule to the unacked frames at `now`, given the smoothed RTT. */
  detect(unacked: readonly InFlightFrame[], now: number, smoothedRtt: number): TimeLossVerdict {
    // How long past its expected ack a frame may still arrive before it counts as lost.
    const reorderMs = this.#reorderingSeen ? smoothedRtt / 4 : 0;
    const lost: InFlightFrame[] = [];
    let nextAt: number | undefined;
    for (const frame of unacked) {
      if (frame.txCount === 0 || frame.lastTx >= this.#tx) continue;
      const due = frame.lastSentAt + this.#rtt + reorderMs;
      if (now >= due) lost.push(frame);
      else if (nextAt === undefined || due < nextAt) nextAt = due;
    }
    return { lost, nextAt };
  }
}
