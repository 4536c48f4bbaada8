import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_CONFIG } from '../../endpoint/index.ts';
import type { FaultProxyStats } from '../../faults/index.ts';
import type { TapCounts } from '../../sim/frame-tap.ts';
import { writeTimeline } from '../../sim/timeline/page.ts';
import type { TimelineData } from '../../sim/timeline/timeline-data.ts';
import { distinctColours, openInChromium } from './browser.ts';
import {
  embeddedTimeline,
  expectPayload,
  printSeedOnFailure,
  startRecordedStack,
  suiteSeed,
} from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const STREAMS = 2;
const BYTES = 2 * 1024 * 1024;

let dir: string;
let page: string;
let timeline: TimelineData;
let proxyStats: FaultProxyStats;
let tapCounts: TapCounts;

/** A seeded lossy run of two streams, recorded, disposed, and its page written out. */
beforeAll(async () => {
  const stack = await startRecordedStack({ seed });
  try {
    const clients = await Promise.all(Array.from({ length: STREAMS }, () => stack.harness()));
    stack.proxy.setFaults('both', { drop: 0.05, duplicate: 0.05, reorder: 0.05 });
    await Promise.all(clients.map((client, i) => expectPayload(client, seed + i, BYTES, stack.marker)));
  } finally {
    await stack.dispose();
  }
  proxyStats = stack.proxy.stats();
  tapCounts = stack.tap?.counts() as TapCounts;
  dir = mkdtempSync(join(tmpdir(), 'relaykit-timeline-'));
  page = join(dir, 'run.html');
  writeTimeline(
    page,
    stack.timeline?.data({
      title: 'lossy run',
      meta: { seed },
      windowFrames: DEFAULT_STREAM_CONFIG.windowFrames,
    }) as TimelineData,
  );
  timeline = embeddedTimeline(readFileSync(page, 'utf8'));
}, 120_000);

afterAll(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe('the timeline of a seeded lossy run', () => {
  it('holds every frame the proxy dropped', () => {
    const drops = timeline.frames.filter((f) => f.faults?.includes('drop')).length;
    expect(drops).toBeGreaterThan(0);
    expect(drops).toBe(proxyStats.upstream.dropped + proxyStats.downstream.dropped);
    expect(timeline.framesLeftOut).toBe(0);
  });

  it('holds every retransmission the tap saw, from each sender', () => {
    const roles = new Map(timeline.connections.map((c) => [c.id, c.role]));
    const sent = (role: string, resent: boolean) =>
      timeline.frames.filter(
        (f) =>
          f.dir === 'up' && f.kind === 'data' && roles.get(f.conn) === role && (f.tx ?? 0) > 1 === resent,
      ).length;
    expect(tapCounts.retransmissions.executor).toBeGreaterThan(0);
    for (const role of ['executor', 'harness']) {
      expect(sent(role, true)).toBe(tapCounts.retransmissions[role] ?? 0);
      expect(sent(role, false)).toBe(tapCounts.dataFrames[role] ?? 0);
    }
  });

  it('has one stream per harness client', () => {
    expect(timeline.streams).toHaveLength(STREAMS);
  });
});

describe('the timeline page in headless Chromium', { timeout: 60_000 }, () => {
  it('loads without errors, draws one series per stream and a non-blank picture', async () => {
    const browser = await openInChromium(page);
    try {
      const { page: view, errors } = browser;
      await view.waitForSelector('body[data-ready="true"]');
      expect(await view.locator('svg [data-stream]').count()).toBe(STREAMS);
      expect(await view.locator('svg [data-stream] path.send').count()).toBeGreaterThanOrEqual(STREAMS);
      const shot = await view.screenshot({ fullPage: true });
      expect(await distinctColours(view, shot)).toBeGreaterThan(50);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('zooms the time axis by dragging and names the frame under the pointer', async () => {
    const browser = await openInChromium(page);
    try {
      const { page: view, errors } = browser;
      await view.waitForSelector('body[data-ready="true"]');
      const plot = view.locator('svg [data-stream] svg.plot').first();
      const box = await plot.boundingBox();
      if (box === null) throw new Error('the first plot is not visible');
      const before = await view.locator('#zoom').textContent();
      await view.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2);
      await view.mouse.down();
      await view.mouse.move(box.x + box.width * 0.9, box.y + box.height / 2, { steps: 5 });
      await view.mouse.up();
      expect(await view.locator('#zoom').textContent()).not.toBe(before);
      await view.dblclick('svg [data-stream] svg.plot');
      expect(await view.locator('#zoom').textContent()).toBe(before);
      const target = (await view.evaluate(`(() => {
        const plot = document.querySelector('svg [data-stream] svg.plot');
        const marks = JSON.parse(document.getElementById('timeline-marks').textContent)[Number(plot.dataset.plot)];
        const data = JSON.parse(document.getElementById('timeline-data').textContent);
        const mark = marks.find((m) => m[2] === 'f' && m[1] >= 0 && data.frames[m[3]].kind === 'data');
        const rect = plot.getBoundingClientRect();
        return { x: rect.left + (mark[0] / data.durationMs) * rect.width, y: rect.top + mark[1] * (rect.height / Number(plot.getAttribute('height'))) };
      })()`)) as { x: number; y: number };
      await view.mouse.move(target.x, target.y);
      await expect.poll(() => view.locator('#tip').isVisible()).toBe(true);
      expect(await view.locator('#tip').textContent()).toMatch(/data · seq \d+/);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
