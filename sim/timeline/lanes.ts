/**
 * A timeline's frames arranged the way a time–sequence graph shows them:
 * one lane per stream and sending side. A lane holds that side's data
 * transmissions, the faults the proxy applied to them on either leg, and the
 * ack state the peer sent back as it reached the sender.
 */
import type { FaultMark, FrameRecord, TimelineData } from './timeline-data.ts';

/** A mark at time `t` and sequence number `v`; `ref` is the frame's index in `frames`. */
export interface Point {
  t: number;
  v: number;
  ref: number;
}

export interface Stall {
  ms: number;
  /** When the wait began. */
  from: number;
}

export interface Lane {
  sender: string;
  sends: Point[];
  resends: Point[];
  faults: Partial<Record<FaultMark, Point[]>>;
  /** The peer's cumulative ack as the sender received it. */
  acks: Point[];
  /** Seqs the peer's ack bitmap newly acknowledged. */
  sacks: Point[];
  /** Frames of the peer (each carrying its ack state) lost on the way to the sender; v = their ack. */
  ackLosses: Point[];
  resumes: Point[];
  maxSeq: number;
  /** The longest time the sender had unacked data while the cumulative ack stood still. */
  longestStall: Stall | undefined;
}

export interface StreamLanes {
  index: number;
  streamId: string;
  /** The data directions that carried data, the executor's first. */
  lanes: Lane[];
  /** Reset frames on this stream, sent by either side (v = 0). */
  resets: Point[];
}

const LOST: readonly FaultMark[] = ['drop', 'discard'];

function peerOf(role: string): string {
  return role === 'executor' ? 'harness' : role === 'harness' ? 'executor' : 'unknown';
}

function emptyLane(sender: string): Lane {
  return {
    sender,
    sends: [],
    resends: [],
    faults: {},
    acks: [],
    sacks: [],
    ackLosses: [],
    resumes: [],
    maxSeq: 0,
    longestStall: undefined,
  };
}

/** Seqs acknowledged by the bitmap: bit i is `ack + 1 + i`. */
function sackedSeqs(ack: number, bits: number): number[] {
  const seqs: number[] = [];
  for (let i = 1; i < 32; i++) if ((bits >>> i) & 1) seqs.push(ack + 1 + i);
  return seqs;
}

interface AckState {
  ack: number;
  bits: number;
}

/** Adds one received ack state to the lane: a step when the ack moved up, a dot per newly sacked seq. */
function addAckState(lane: Lane, previous: AckState | undefined, frame: FrameRecord, ref: number): AckState {
  const state = { ack: frame.ack ?? 0, bits: frame.ackBits ?? 0 };
  // A stale ack (a reordered or duplicated older frame) moves nothing: the line is the running maximum.
  const last = lane.acks.at(-1);
  if (last === undefined || state.ack > last.v) lane.acks.push({ t: frame.t, v: state.ack, ref });
  const before = new Set(previous === undefined ? [] : sackedSeqs(previous.ack, previous.bits));
  for (const seq of sackedSeqs(state.ack, state.bits))
    if (!before.has(seq)) lane.sacks.push({ t: frame.t, v: seq, ref });
  return state;
}

/** Walks sends and ack advances in time order for the lane's longest stall. */
function longestStall(lane: Lane, endAt: number): Stall | undefined {
  const steps = [
    ...lane.sends.map((p) => ({ t: p.t, sent: p.v })),
    ...lane.acks.map((p) => ({ t: p.t, acked: p.v })),
  ].sort((a, b) => a.t - b.t);
  let highest = 0;
  let acked = 0;
  let since: number | undefined;
  let longest: Stall | undefined;
  const close = (t: number) => {
    if (since !== undefined && (longest === undefined || t - since > longest.ms))
      longest = { ms: Math.round((t - since) * 10) / 10, from: since };
  };
  for (const step of steps) {
    if ('sent' in step) highest = Math.max(highest, step.sent);
    else if (step.acked > acked) {
      close(step.t);
      acked = step.acked;
      since = undefined;
    }
    if (since === undefined && highest > acked) since = step.t;
  }
  close(endAt);
  return longest;
}

export function buildLanes(data: TimelineData): StreamLanes[] {
  const roles = new Map(data.connections.map((c) => [c.id, c.role]));
  const streams: StreamLanes[] = data.streams.map((streamId, index) => ({
    index,
    streamId,
    lanes: [],
    resets: [],
  }));
  const lanes = new Map<string, Lane>();
  const ackStates = new Map<Lane, AckState>();
  const laneOf = (stream: number, sender: string): Lane => {
    const key = `${stream}|${sender}`;
    let lane = lanes.get(key);
    if (lane === undefined) {
      lane = emptyLane(sender);
      lanes.set(key, lane);
      streams[stream]?.lanes.push(lane);
    }
    return lane;
  };
  data.frames.forEach((frame, ref) => {
    const stream = streams[frame.stream];
    if (stream === undefined) return;
    const role = roles.get(frame.conn) ?? 'unknown';
    const sender = frame.dir === 'up' ? role : peerOf(role);
    const point = (v: number): Point => ({ t: frame.t, v, ref });
    if (frame.kind === 'reset') {
      stream.resets.push(point(0));
      return;
    }
    if (frame.kind === 'data' && frame.seq !== undefined) {
      const lane = laneOf(frame.stream, sender);
      lane.maxSeq = Math.max(lane.maxSeq, frame.seq);
      if (frame.tx === 1) lane.sends.push(point(frame.seq));
      else if (frame.tx !== undefined) lane.resends.push(point(frame.seq));
      for (const mark of frame.faults ?? []) {
        lane.faults[mark] ??= [];
        lane.faults[mark].push(point(frame.seq));
      }
    }
    if (frame.kind === 'resume' && frame.dir === 'up' && frame.nextSeq !== undefined)
      laneOf(frame.stream, sender).resumes.push(point(frame.nextSeq));
    if (frame.ack === undefined) return;
    const acked = laneOf(frame.stream, peerOf(sender));
    if (frame.faults?.some((mark) => LOST.includes(mark))) acked.ackLosses.push(point(frame.ack));
    else if (frame.dir === 'down') ackStates.set(acked, addAckState(acked, ackStates.get(acked), frame, ref));
  });
  for (const stream of streams) {
    stream.lanes = stream.lanes
      .filter((lane) => lane.sends.length + lane.resends.length > 0)
      .sort((a, b) => (a.sender === 'executor' ? -1 : b.sender === 'executor' ? 1 : 0));
    for (const lane of stream.lanes) lane.longestStall = longestStall(lane, data.durationMs);
  }
  return streams;
}
