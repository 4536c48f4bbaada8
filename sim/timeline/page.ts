/**
 * The timeline as one self-contained HTML file: inline CSS, SVG and script,
 * the recorded data embedded as JSON (`#timeline-data`) so the page and any
 * test can read it back. Opens offline in any browser.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { buildLanes, type StreamLanes } from './lanes.ts';
import { PAGE_SCRIPT } from './page-script.ts';
import { escapeXml, renderPlots, WIDTH } from './svg.ts';
import type { TimelineData } from './timeline-data.ts';

const STYLE = `
body { font: 13px/1.4 system-ui, sans-serif; margin: 16px; color: #222; min-width: ${WIDTH}px; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 14px; margin: 18px 0 2px; }
code { font-size: 12px; } .meta, .note { margin: 2px 0; } .note { color: #a00; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 16px; margin: 8px 0; }
.legend span { display: inline-flex; align-items: center; gap: 4px; }
table { border-collapse: collapse; margin: 8px 0; } td, th { padding: 1px 8px; text-align: left; border-bottom: 1px solid #eee; }
svg { display: block; overflow: visible; } svg.plot { overflow: hidden; cursor: crosshair; }
.plot-frame { fill: #fafafa; stroke: #ccc; } .hit { fill: none; pointer-events: fill; }
.lane-title { font-size: 12px; fill: #333; } .tick { stroke: #999; } .tick-label, .axis-name { font-size: 10px; fill: #555; }
path { fill: none; vector-effect: non-scaling-stroke; }
.send { stroke: #1f77b4; stroke-width: 1.5; } .resend { stroke: #d62728; stroke-width: 2.5; }
.ack { stroke: #2ca02c; stroke-width: 1.5; } .window { stroke: #ff7f0e; stroke-width: 1; stroke-dasharray: 4 3; }
.sack { stroke: #2ca02c; stroke-width: 3; stroke-linecap: round; opacity: 0.5; }
.ring { stroke-width: 10; stroke-linecap: round; } .ring-hole { stroke: #fff; stroke-width: 5; stroke-linecap: round; }
.ring-hole.small { stroke-width: 3; } .drop { stroke: #d62728; } .discard { stroke: #7f7f7f; }
.ack-loss { stroke: #2ca02c; stroke-width: 7; }
.dup, .hold, .corrupt, .truncate, .resume { stroke-width: 6; stroke-linecap: square; }
.dup { stroke: #9467bd; } .hold { stroke: #8c564b; } .corrupt, .truncate { stroke: #e377c2; } .resume { stroke: #000; }
.reset { stroke: #d62728; stroke-width: 1.5; stroke-dasharray: 2 2; }
.kill { stroke: #b00; stroke-width: 1.5; } .deploy { stroke: #9467bd; stroke-width: 2; stroke-dasharray: 6 3; }
.recovery { stroke: #2ca02c; stroke-width: 2; stroke-dasharray: 1 3; } .blackhole { fill: rgba(0, 0, 0, 0.13); }
.socket { stroke-width: 8; } .socket.executor { stroke: #1f3b73; } .socket.harness, .socket.unknown { stroke: #6baed6; }
.socket.half-open { stroke: #bbb; }
#tip { position: absolute; background: #fff; border: 1px solid #999; padding: 4px 6px; white-space: pre; font-size: 12px; pointer-events: none; box-shadow: 0 1px 4px rgba(0,0,0,.2); }
#band { position: absolute; background: rgba(31, 119, 180, 0.15); border: 1px solid #1f77b4; pointer-events: none; }
`;

/** [css class, what it shows, how to draw the swatch]. */
const LEGEND: [string, string, 'tick' | 'dot' | 'ring' | 'line' | 'band'][] = [
  ['send', 'data frame sent (seq)', 'tick'],
  ['resend', 'data frame sent again', 'tick'],
  ['ack', "peer's cumulative ack, as received", 'line'],
  ['sack', 'selectively acked seq', 'dot'],
  ['window', 'window limit: ack + window frames', 'line'],
  ['drop', 'dropped by the proxy', 'ring'],
  ['discard', 'swallowed by a blackhole or a dead socket', 'ring'],
  ['dup', 'duplicated', 'dot'],
  ['hold', 'reordered (held back)', 'dot'],
  ['corrupt', 'corrupted or truncated', 'dot'],
  ['ack-loss', "peer's frame (ack state) lost", 'ring'],
  ['resume', 'resume (next_seq)', 'dot'],
  ['reset', 'stream reset', 'line'],
  ['kill', 'socket kill', 'line'],
  ['deploy', 'deploy (Durable Object evicted)', 'line'],
  ['blackhole', 'blackhole', 'band'],
  ['recovery', 'output flowing again', 'line'],
];

function swatch([cls, label, shape]: (typeof LEGEND)[number]): string {
  const drawing =
    shape === 'tick'
      ? `<path class="${cls}" d="M9 3v10"/>`
      : shape === 'line'
        ? `<path class="${cls}" d="M1 8H17"/>`
        : shape === 'band'
          ? `<rect class="${cls}" x="3" y="1" width="12" height="14"/>`
          : shape === 'ring'
            ? `<path class="${cls} ring" d="M9 8h0"/><path class="ring-hole" d="M9 8h0"/>`
            : `<path class="${cls}" d="M9 8h0"/>`;
  return `<span><svg width="18" height="16">${drawing}</svg>${escapeXml(label)}</span>`;
}

/** JSON that can sit inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}

function laneTable(data: TimelineData, streams: readonly StreamLanes[]): string {
  const rows = streams.flatMap((s) =>
    s.lanes.map((lane) => {
      const n = (mark: keyof typeof lane.faults) => lane.faults[mark]?.length ?? 0;
      const stall = lane.longestStall;
      const cells = [
        `${s.index}`,
        `${lane.sender} →`,
        lane.sends.length,
        lane.resends.length,
        n('drop') + n('discard'),
        n('dup'),
        n('hold'),
        lane.ackLosses.length,
        stall === undefined ? '–' : `${stall.ms} ms at ${(stall.from / 1000).toFixed(3)} s`,
      ];
      return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
    }),
  );
  const head = [
    'stream',
    'sender',
    'data frames',
    'resent',
    'lost',
    'duplicated',
    'reordered',
    'acks lost',
    'longest stall',
  ];
  const resets = data.frames.filter((f) => f.kind === 'reset' && f.dir === 'up').length;
  return (
    `<table><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr>${rows.join('')}</table>` +
    `<p class="meta">${data.events.length} fault and recovery events, ${resets} resets sent, ${data.connections.length} sockets</p>`
  );
}

export function timelinePage(data: TimelineData): string {
  const streams = buildLanes(data);
  const plots = renderPlots(data, streams);
  const meta = Object.entries(data.meta)
    .map(([k, v]) => `${escapeXml(k)} <b>${escapeXml(String(v))}</b>`)
    .join(' · ');
  const note =
    data.framesLeftOut > 0
      ? `<p class="note">The recording was full: the last ${data.framesLeftOut} frames are not shown (the first ${data.frames.length} are).</p>`
      : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(data.title)}</title><style>${STYLE}</style></head>
<body>
<h1>${escapeXml(data.title)}</h1>
<p class="meta">${meta} · ${(data.durationMs / 1000).toFixed(2)} s recorded · ${data.frames.length} frames</p>
${note}
<p class="meta">Per stream and sending side: time →, seq ↑. Drag across a plot to zoom the time axis, double-click to zoom out; hover a mark for its frame. Showing <span id="zoom"></span> <button id="reset-zoom" type="button">zoom out</button></p>
<div class="legend">${LEGEND.map(swatch).join('')}</div>
${laneTable(data, streams)}
${plots.svg}
<div id="tip" hidden></div><div id="band" hidden></div>
<script type="application/json" id="timeline-data">${scriptJson(data)}</script>
<script type="application/json" id="timeline-marks">${scriptJson(plots.marks)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}

/** Writes the page, creating its folder if needed. */
export function writeTimeline(path: string, data: TimelineData): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, timelinePage(data));
}
