import { describe, expect, it } from 'vitest';
import type { ConnectionInfo, FrameFate } from '../../faults/index.ts';
import { encodeFrame, encodeReset, type RelayFrameBody } from '../../proto/codec/index.ts';
import { createFrameTap } from '../../sim/frame-tap.ts';
import { buildLanes } from '../../sim/timeline/lanes.ts';
import { timelinePage } from '../../sim/timeline/page.ts';
import { TimelineRecorder } from '../../sim/timeline/recorder.ts';
import { embeddedTimeline } from '../e2e/support.ts';

const STREAM = 's-1';
const executor: ConnectionInfo = { id: 0, role: 'executor', path: '/?role=executor', state: 'open' };
const harness: ConnectionInfo = { id: 1, role: 'harness', path: '/?role=harness', state: 'open' };
const passed: FrameFate = {
  dropped: false,
  duplicated: false,
  held: false,
  corrupted: false,
  truncated: false,
};
const dropped: FrameFate = { ...passed, dropped: true };
const held: FrameFate = { ...passed, held: true };

const data = (seq: number): RelayFrameBody => ({
  case: 'data',
  value: { seq, segmentIndex: 0, segmentCount: 1, payload: new Uint8Array([seq]) },
});
const ackFrame: RelayFrameBody = { case: 'ackFrame', value: {} };
const frame = (body: RelayFrameBody, ack = 0, ackBits = 0) =>
  encodeFrame({ version: 1, streamId: STREAM, ack, ackBits, body });

/**
 * The executor sends seqs 1–3 and loses 2 on its own leg; the harness acks 1
 * with 3 in its bitmap; the executor resends 2; the harness acks 3; a stale
 * ack of 1 arrives late (reordered); a kill, a blackhole, a deploy and a
 * recovery happen along the way.
 */
function recordRun(maxFrames?: number): TimelineRecorder {
  const recorder = new TimelineRecorder(maxFrames);
  const tap = createFrameTap(recorder.frame);
  recorder.proxyEvent({ kind: 'opened', connection: executor });
  recorder.proxyEvent({ kind: 'opened', connection: harness });
  const crossing = (bytes: Uint8Array, from: ConnectionInfo, to: ConnectionInfo, first = passed) => {
    tap.observe(bytes, 'upstream', from, first);
    if (first !== dropped) tap.observe(bytes, 'downstream', to, passed);
  };
  crossing(frame(data(1)), executor, harness);
  crossing(frame(data(2)), executor, harness, dropped);
  crossing(frame(data(3)), executor, harness);
  crossing(frame(ackFrame, 1, 0b10), harness, executor);
  crossing(frame(data(2)), executor, harness);
  crossing(frame(ackFrame, 3), harness, executor);
  tap.observe(frame(ackFrame, 1), 'downstream', executor, held);
  recorder.proxyEvent({ kind: 'kill', connection: harness, mode: 'abrupt' });
  recorder.proxyEvent({ kind: 'state', connection: { ...harness, state: 'closed' }, state: 'closed' });
  recorder.proxyEvent({ kind: 'blackhole', ms: 500, role: 'executor' });
  recorder.deploy();
  recorder.recovery(12.34);
  crossing(encodeReset(STREAM, '</script><b>closed'), harness, executor);
  return recorder;
}

const summary = { title: 'a test run', meta: { seed: 7 }, windowFrames: 32 };

describe('the timeline recorder', () => {
  it('keeps every frame in both directions with its transmission number and what the proxy did', () => {
    const timeline = recordRun().data(summary);
    const sent = timeline.frames.filter((f) => f.dir === 'up' && f.kind === 'data');
    expect(sent.map((f) => [f.seq, f.tx, f.faults])).toEqual([
      [1, 1, undefined],
      [2, 1, ['drop']],
      [3, 1, undefined],
      [2, 2, undefined],
    ]);
    expect(timeline.frames.filter((f) => f.dir === 'down')).toHaveLength(7);
    expect(timeline.streams).toEqual([STREAM]);
    expect(timeline.connections.map((c) => [c.id, c.role, c.closed !== undefined])).toEqual([
      [0, 'executor', false],
      [1, 'harness', true],
    ]);
    expect(timeline.events.map((e) => e.kind)).toEqual(['kill', 'blackhole', 'deploy', 'recovery']);
    expect(timeline.framesLeftOut).toBe(0);
  });

  it('stops recording frames at its limit and counts the rest', () => {
    const timeline = recordRun(5).data(summary);
    expect(timeline.frames).toHaveLength(5);
    expect(timeline.framesLeftOut).toBe(9);
    expect(timelinePage(timeline)).toContain('the last 9 frames are not shown');
  });
});

describe('the lanes of a timeline', () => {
  const [stream] = buildLanes(recordRun().data(summary));

  it('gives a stream one lane per side that sent data', () => {
    expect(stream?.lanes.map((lane) => lane.sender)).toEqual(['executor']);
  });

  it('shows sends, resends and drops at their seqs, and the ack as the sender received it', () => {
    const lane = stream?.lanes[0];
    const seqs = (points: { v: number }[] | undefined) => points?.map((p) => p.v);
    expect(seqs(lane?.sends)).toEqual([1, 2, 3]);
    expect(seqs(lane?.resends)).toEqual([2]);
    expect(seqs(lane?.faults.drop)).toEqual([2]);
    expect(seqs(lane?.acks)).toEqual([1, 3]);
    expect(seqs(lane?.sacks)).toEqual([3]);
    expect(lane?.longestStall?.ms).toBeGreaterThan(0);
    expect(stream?.resets).toHaveLength(2);
  });
});

describe('the timeline page', () => {
  const timeline = recordRun().data(summary);
  const html = timelinePage(timeline);

  it('embeds the recording as JSON that reads back unchanged', () => {
    expect(embeddedTimeline(html)).toEqual(timeline);
  });

  it('keeps text from the wire from closing its script or adding markup', () => {
    expect(html).not.toContain('</script><b>');
    expect(html.match(/<\/script>/g)).toHaveLength(3);
  });

  it('draws one group per stream and needs nothing from the network', () => {
    expect(html.match(/<g data-stream=/g)).toHaveLength(1);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });
});
