/**
 * The timeline's SVG: a panel per stream with a plot per data direction
 * (time on x, seq on y), and a track of the proxy's sockets. Each plot is a
 * nested <svg> whose viewBox is in (ms, px): the page script zooms the time
 * axis by changing every plot's viewBox, and strokes that ignore scaling
 * keep the marks' shapes. Each series is one <path>.
 */

import type { Lane, Point, StreamLanes } from './lanes.ts';
import type { FaultMark, TimelineData, TimelineEvent } from './timeline-data.ts';

export const WIDTH = 1180;
const LEFT = 64;
const PLOT_WIDTH = WIDTH - LEFT - 16;
const LANE_HEIGHT = 190;
const TITLE_HEIGHT = 22;
const AXIS_HEIGHT = 26;
const SOCKET_ROW = 12;
const MAX_SOCKET_ROWS = 60;

/** Hover targets of one plot: [t, y px (or -1: any y), 'f' frame | 'e' event | 'c' connection, index]. */
export type Mark = [number, number, 'f' | 'e' | 'c', number];

export interface Plots {
  svg: string;
  /** Per plot, in the order of the plots' `data-plot` attributes. */
  marks: Mark[][];
}

const FAULT_LABELS: Record<FaultMark, string> = {
  drop: 'dropped',
  dup: 'duplicated',
  hold: 'reordered',
  corrupt: 'corrupted',
  truncate: 'truncated',
  discard: 'discarded (blackhole or dead socket)',
};
const FAULT_ORDER: readonly FaultMark[] = ['drop', 'discard', 'dup', 'hold', 'corrupt', 'truncate'];

const fixed = (n: number) => String(Math.round(n * 10) / 10);

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Vertical ticks (a transmission), dots (zero-length strokes with round or square caps), or step lines. */
function ticks(points: readonly Point[], y: (v: number) => number, half: number): string {
  return points.map((p) => `M${fixed(p.t)} ${fixed(y(p.v) - half)}v${half * 2}`).join('');
}

function dots(points: readonly Point[], y: (v: number) => number): string {
  return points.map((p) => `M${fixed(p.t)} ${fixed(y(p.v))}h0`).join('');
}

function steps(points: readonly Point[], y: (v: number) => number, end: number): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points as [Point, ...Point[]];
  return `M${fixed(first.t)} ${fixed(y(first.v))}${rest.map((p) => `H${fixed(p.t)}V${fixed(y(p.v))}`).join('')}H${fixed(end)}`;
}

function path(cls: string, d: string): string {
  return d === '' ? '' : `<path class="${cls}" d="${d}"/>`;
}

function eventLayer(events: readonly TimelineEvent[], height: number): { svg: string; marks: Mark[] } {
  const marks: Mark[] = events.map((e, i) => [e.t, -1, 'e', i]);
  const bands = events
    .filter((e) => e.kind === 'blackhole')
    .map((e) => `<rect class="blackhole" x="${fixed(e.t)}" y="0" width="${e.ms}" height="${height}"/>`)
    .join('');
  const lines = (kind: TimelineEvent['kind']) =>
    events
      .filter((e) => e.kind === kind)
      .map((e) => `M${fixed(e.t)} 0V${height}`)
      .join('');
  return {
    svg:
      bands +
      path('kill', lines('kill')) +
      path('deploy', lines('deploy')) +
      path('recovery', lines('recovery')),
    marks,
  };
}

/**
 * A plot's nested <svg>, in (ms, px) units, with `data-top` the seq at its
 * top edge (0: no seq axis). Its first child catches the pointer over the
 * whole plot: a nested <svg> is not a hit target of its own.
 */
function openPlot(index: number, top: number, height: number, durationMs: number): string {
  return (
    `<svg class="plot" data-plot="${index}" data-top="${top}" x="${LEFT}" y="0" width="${PLOT_WIDTH}" height="${height}" viewBox="0 0 ${fixed(durationMs)} ${height}" preserveAspectRatio="none">` +
    `<rect class="hit" x="0" y="0" width="${fixed(durationMs)}" height="${height}"/>`
  );
}

function laneSummary(lane: Lane): string {
  const count = (mark: FaultMark) => lane.faults[mark]?.length ?? 0;
  const faults = FAULT_ORDER.filter((m) => count(m) > 0).map((m) => `${count(m)} ${FAULT_LABELS[m]}`);
  const stall = lane.longestStall;
  return [
    `${lane.sender} → ${lane.sender === 'executor' ? 'harness' : 'executor'}`,
    `${lane.sends.length} data frames, ${lane.resends.length} resent`,
    ...faults,
    ...(lane.ackLosses.length > 0 ? [`${lane.ackLosses.length} acks lost`] : []),
    ...(stall ? [`longest stall ${stall.ms} ms from ${(stall.from / 1000).toFixed(3)} s`] : []),
  ].join(' · ');
}

function lanePlot(
  lane: Lane,
  resets: readonly Point[],
  data: TimelineData,
  layer: { svg: string; marks: Mark[] },
  index: number,
): { svg: string; marks: Mark[] } {
  const lastAck = lane.acks.at(-1)?.v ?? 0;
  const top =
    Math.max(lane.maxSeq, lastAck) + Math.min(data.windowFrames, Math.max(4, Math.ceil(lane.maxSeq * 0.15)));
  const y = (v: number) => LANE_HEIGHT - 8 - (v / top) * (LANE_HEIGHT - 16);
  const window = lane.acks.map((p) => ({ ...p, v: p.v + data.windowFrames }));
  const faultPaths = FAULT_ORDER.map((mark) => {
    const points = lane.faults[mark] ?? [];
    if (mark === 'drop' || mark === 'discard')
      return path(`${mark} ring`, dots(points, y)) + path('ring-hole', dots(points, y));
    return path(mark, dots(points, y));
  }).join('');
  const svg =
    openPlot(index, top, LANE_HEIGHT, data.durationMs) +
    layer.svg +
    path('window', steps(window, y, data.durationMs)) +
    path('ack', steps(lane.acks, y, data.durationMs)) +
    path('sack', dots(lane.sacks, y)) +
    path('send', ticks(lane.sends, y, 4)) +
    path('resend', ticks(lane.resends, y, 6)) +
    faultPaths +
    path('ack-loss ring', dots(lane.ackLosses, y)) +
    path('ring-hole small', dots(lane.ackLosses, y)) +
    path('resume', dots(lane.resumes, y)) +
    path('reset', resets.map((p) => `M${fixed(p.t)} 0V${LANE_HEIGHT}`).join('')) +
    '</svg>';
  const frameMarks = (points: readonly Point[]): Mark[] => points.map((p) => [p.t, y(p.v), 'f', p.ref]);
  const resetMarks: Mark[] = resets.map((p) => [p.t, -1, 'f', p.ref]);
  const marks = [
    ...frameMarks(lane.sends),
    ...frameMarks(lane.resends),
    ...FAULT_ORDER.flatMap((mark) => frameMarks(lane.faults[mark] ?? [])),
    ...frameMarks(lane.acks),
    ...frameMarks(lane.sacks),
    ...frameMarks(lane.ackLosses),
    ...frameMarks(lane.resumes),
    ...resetMarks,
    ...layer.marks,
  ].sort((a, b) => a[0] - b[0]);
  return { svg, marks };
}

/** One plot frame: the grey box, the title above, the axes' groups the page script fills. */
function framed(title: string, height: number, plot: string, top: number): string {
  return (
    `<g transform="translate(0 ${top})">` +
    `<text class="lane-title" x="${LEFT}" y="15">${escapeXml(title)}</text>` +
    `<g transform="translate(0 ${TITLE_HEIGHT})">` +
    `<rect class="plot-frame" x="${LEFT}" y="0" width="${PLOT_WIDTH}" height="${height}"/>` +
    `<g class="y-axis" data-height="${height}"></g>` +
    plot +
    `<g class="t-axis" transform="translate(0 ${height})"></g>` +
    '</g></g>'
  );
}

function socketTrack(data: TimelineData, index: number) {
  const shown = data.connections.slice(0, MAX_SOCKET_ROWS);
  const height = Math.max(1, shown.length) * SOCKET_ROW + 4;
  const layer = eventLayer(data.events, height);
  const end = data.durationMs;
  const bars = shown
    .map((c, row) => {
      const y = 4 + row * SOCKET_ROW + SOCKET_ROW / 2;
      const closedAt = c.closed ?? end;
      const openUntil = c.halfOpen ?? closedAt;
      return (
        `<path class="socket ${c.role}" d="M${fixed(c.opened)} ${y}H${fixed(openUntil)}"/>` +
        (c.halfOpen === undefined
          ? ''
          : `<path class="socket half-open" d="M${fixed(c.halfOpen)} ${y}H${fixed(closedAt)}"/>`)
      );
    })
    .join('');
  const marks: Mark[] = [
    ...shown.map((c, row): Mark => [c.opened, 4 + row * SOCKET_ROW + SOCKET_ROW / 2, 'c', row]),
    ...layer.marks,
  ].sort((a, b) => a[0] - b[0]);
  const left = data.connections.length - shown.length;
  const title = `sockets through the fault proxy (a row each: executor dark, harness light)${left > 0 ? `; ${left} more not shown` : ''}`;
  const svg = `${openPlot(index, 0, height, end) + layer.svg + bars}</svg>`;
  return { svg: framed(title, height, svg, 0), height: TITLE_HEIGHT + height + AXIS_HEIGHT, marks };
}

export function renderPlots(data: TimelineData, streams: readonly StreamLanes[]): Plots {
  const marks: Mark[][] = [];
  const sockets = socketTrack(data, 0);
  marks.push(sockets.marks);
  const parts = [
    `<svg class="track" width="${WIDTH}" height="${sockets.height}" viewBox="0 0 ${WIDTH} ${sockets.height}">${sockets.svg}</svg>`,
  ];
  const block = TITLE_HEIGHT + LANE_HEIGHT + AXIS_HEIGHT;
  const layer = eventLayer(data.events, LANE_HEIGHT);
  for (const stream of streams) {
    const lanes = stream.lanes.map((lane, i) => {
      const plot = lanePlot(lane, stream.resets, data, layer, marks.length);
      marks.push(plot.marks);
      return framed(laneSummary(lane), LANE_HEIGHT, plot.svg, i * block);
    });
    const height = Math.max(1, stream.lanes.length) * block;
    const empty =
      stream.lanes.length === 0
        ? `<text class="lane-title" x="${LEFT}" y="15">no data frames on this stream</text>`
        : '';
    parts.push(
      `<h2>stream ${stream.index} <code>${escapeXml(stream.streamId)}</code></h2>` +
        `<svg class="stream" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">` +
        `<g data-stream="${escapeXml(stream.streamId)}">${lanes.join('')}${empty}</g></svg>`,
    );
  }
  return { svg: parts.join('\n'), marks };
}
