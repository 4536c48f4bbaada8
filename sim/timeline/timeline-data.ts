/**
 * What a timeline page embeds as JSON (`<script type="application/json"
 * id="timeline-data">`): every frame the fault proxy saw, in both
 * directions, with what it did to it, and the run's faults and recoveries.
 * Times are ms since the recording started.
 */

export const TIMELINE_FORMAT = 'relaykit-timeline/1';

/** What the proxy did to a frame besides passing it on. */
export type FaultMark = 'drop' | 'dup' | 'hold' | 'corrupt' | 'truncate' | 'discard';

export interface FrameRecord {
  t: number;
  /** The proxy connection it crossed (see `connections`). */
  conn: number;
  /** `up`: sent by the endpoint of `conn`; `down`: passed on to it by the rendezvous. */
  dir: 'up' | 'down';
  /** Index into `streams`; -1 when the frame did not decode. */
  stream: number;
  /** The body kind (`data`, `ackFrame`, `resume`, `reset`, `heartbeat`), or `invalid`. */
  kind: string;
  ack?: number;
  ackBits?: number;
  seq?: number;
  /** `index/count` of a segmented message's data frame. */
  segment?: string;
  nextSeq?: number;
  reason?: string;
  /** Upstream data frames: 1 for the first transmission, 2+ for each resend. */
  tx?: number;
  /** Absent when the frame passed untouched. */
  faults?: FaultMark[];
}

export interface ConnectionRecord {
  id: number;
  /** `executor`, `harness`, or `unknown`. */
  role: string;
  opened: number;
  halfOpen?: number;
  closed?: number;
}

export type TimelineEvent =
  | { t: number; kind: 'kill'; conn: number; mode: string }
  | { t: number; kind: 'blackhole'; ms: number; role?: string }
  | { t: number; kind: 'deploy'; refused: boolean }
  /** Output flowed again `afterMs` after the fault at `t - afterMs`. */
  | { t: number; kind: 'recovery'; afterMs: number };

export interface TimelineData {
  format: typeof TIMELINE_FORMAT;
  title: string;
  /** Seed, settings and verdict, shown at the top of the page. */
  meta: Record<string, string | number>;
  durationMs: number;
  /** Send window in frames: a sender may not send beyond ack + window. */
  windowFrames: number;
  streams: string[];
  connections: ConnectionRecord[];
  frames: FrameRecord[];
  events: TimelineEvent[];
  /** Frames seen after the recording was full and left out. */
  framesLeftOut: number;
}
