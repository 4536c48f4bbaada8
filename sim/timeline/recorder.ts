/**
 * Records a run for its timeline: the frame tap's frames, the fault proxy's
 * connection events, and the deploys and recoveries the run reports. Memory
 * is bounded: past `maxFrames` frames (or as many events) the rest are only
 * counted, and the page says so.
 */
import type { FrameFate, ProxyEvent } from '../../faults/index.ts';
import type { TappedFrame } from '../frame-tap.ts';
import {
  type ConnectionRecord,
  type FaultMark,
  type FrameRecord,
  TIMELINE_FORMAT,
  type TimelineData,
  type TimelineEvent,
} from './timeline-data.ts';

export const DEFAULT_MAX_FRAMES = 200_000;
const MAX_EVENTS = 20_000;
const MAX_CONNECTIONS = 10_000;

export interface TimelineSummary {
  title: string;
  meta: Record<string, string | number>;
  windowFrames: number;
}

function faultsOf(fate: FrameFate): FaultMark[] | undefined {
  if (fate === 'discarded') return ['discard'];
  const marks: FaultMark[] = [];
  if (fate.dropped) marks.push('drop');
  if (fate.duplicated) marks.push('dup');
  if (fate.held) marks.push('hold');
  if (fate.corrupted) marks.push('corrupt');
  if (fate.truncated) marks.push('truncate');
  return marks.length === 0 ? undefined : marks;
}

export class TimelineRecorder {
  readonly #start = performance.now();
  readonly #maxFrames: number;
  readonly #frames: FrameRecord[] = [];
  readonly #events: TimelineEvent[] = [];
  readonly #streams = new Map<string, number>();
  readonly #connections = new Map<number, ConnectionRecord>();
  #framesLeftOut = 0;

  constructor(maxFrames = DEFAULT_MAX_FRAMES) {
    this.#maxFrames = maxFrames;
  }

  /** The frame tap's listener. */
  readonly frame = (tapped: TappedFrame): void => {
    if (this.#frames.length >= this.#maxFrames) {
      this.#framesLeftOut += 1;
      return;
    }
    const { frame } = tapped;
    const record: FrameRecord = {
      t: this.#now(),
      conn: this.#connection(tapped.connection.id, tapped.connection.role).id,
      dir: tapped.direction === 'upstream' ? 'up' : 'down',
      stream: frame === undefined ? -1 : this.#stream(frame.streamId),
      kind: frame?.body.case ?? 'invalid',
    };
    if (frame !== undefined && frame.body.case !== 'reset') {
      record.ack = frame.ack;
      record.ackBits = frame.ackBits;
    }
    const body = frame?.body;
    if (body?.case === 'data') {
      record.seq = body.value.seq;
      if (body.value.segmentCount > 1)
        record.segment = `${body.value.segmentIndex}/${body.value.segmentCount}`;
      if (tapped.transmission > 0) record.tx = tapped.transmission;
    } else if (body?.case === 'resume') {
      record.nextSeq = body.value.nextSeq;
    } else if (body?.case === 'reset') {
      record.reason = body.value.reason;
    }
    const faults = faultsOf(tapped.fate);
    if (faults !== undefined) record.faults = faults;
    this.#frames.push(record);
  };

  /** The fault proxy's `onEvent`. */
  readonly proxyEvent = (event: ProxyEvent): void => {
    const t = this.#now();
    if (event.kind === 'opened') this.#connection(event.connection.id, event.connection.role);
    else if (event.kind === 'state') {
      const record = this.#connection(event.connection.id, event.connection.role);
      if (event.state === 'halfOpen') record.halfOpen = t;
      if (event.state === 'closed') record.closed = t;
    } else if (event.kind === 'kill') {
      this.#event({ t, kind: 'kill', conn: event.connection.id, mode: event.mode });
    } else {
      this.#event({ t, kind: 'blackhole', ms: event.ms, ...(event.role && { role: event.role }) });
    }
  };

  /** A Durable Object eviction (`refused` when Miniflare refused it; the sockets were dropped anyway). */
  deploy(refused = false): void {
    this.#event({ t: this.#now(), kind: 'deploy', refused });
  }

  /** Output flowed again `afterMs` after a fault. */
  recovery(afterMs: number): void {
    this.#event({ t: this.#now(), kind: 'recovery', afterMs: Math.round(afterMs * 10) / 10 });
  }

  data(summary: TimelineSummary): TimelineData {
    return {
      format: TIMELINE_FORMAT,
      ...summary,
      durationMs: this.#now(),
      streams: [...this.#streams.keys()],
      connections: [...this.#connections.values()].map((c) => ({ ...c })),
      frames: this.#frames,
      events: this.#events,
      framesLeftOut: this.#framesLeftOut,
    };
  }

  #now(): number {
    return Math.round((performance.now() - this.#start) * 10) / 10;
  }

  #event(event: TimelineEvent): void {
    if (this.#events.length < MAX_EVENTS) this.#events.push(event);
  }

  #stream(streamId: string): number {
    let index = this.#streams.get(streamId);
    if (index === undefined) {
      index = this.#streams.size;
      this.#streams.set(streamId, index);
    }
    return index;
  }

  #connection(id: number, role: string | undefined): ConnectionRecord {
    let record = this.#connections.get(id);
    if (record === undefined) {
      record = { id, role: role ?? 'unknown', opened: this.#now() };
      if (this.#connections.size < MAX_CONNECTIONS) this.#connections.set(id, record);
    }
    return record;
  }
}
