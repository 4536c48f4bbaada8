/**
 * One `relaykit sim` run: the real stack with faults, N streams of seeded
 * output checked byte for byte, and the numbers of the report.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_STREAM_CONFIG } from '../endpoint/index.ts';
import { createPrng, deriveSeed, type KillMode } from '../faults/index.ts';
import type { HarnessClient } from '../harness/index.ts';
import { emitPayloadArgv, payloadSha256 } from './payload.ts';
import type { SimSettings } from './scenarios.ts';
import { startStack } from './stack.ts';
import type { TimelineData } from './timeline/timeline-data.ts';

export interface StreamResult {
  stream: number;
  bytes: number;
  expectedBytes: number;
  exact: boolean;
  exitCode: number | null;
  error?: string;
}

export interface SimReport {
  settings: SimSettings;
  elapsedMs: number;
  /** Correct output bytes per second, all streams together. */
  goodputBytesPerSec: number;
  retransmissions: { executor: number; harness: number };
  dataFrames: { executor: number; harness: number };
  resets: Record<string, number>;
  faults: {
    dropped: number;
    duplicated: number;
    reordered: number;
    kills: number;
    deploys: number;
    /** Evictions Miniflare refused (a request was inside the object); the sockets were still dropped. */
    refusedDeploys: number;
  };
  /** Fault events (kills, deploys) after which output flowed again. */
  recoveries: number;
  /** From a fault event to the next output byte, ms. */
  timeToRecoverMs: { median: number | null; max: number | null };
  lostBytes: number;
  duplicatedBytes: number;
  corruptedStreams: number;
  streams: StreamResult[];
  verdict: 'ok' | 'fail';
}

export interface SimOptions {
  /** Called as output arrives, with the bytes of this chunk. */
  onProgress?: (bytes: number) => void;
  /** Records the run for a timeline page and hands over the recording when it is over, failed or not. */
  onTimeline?: (data: TimelineData) => void;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? null;
}

async function runStream(
  client: HarnessClient,
  index: number,
  settings: SimSettings,
  marker: string,
  onChunk: (n: number) => void,
): Promise<StreamResult> {
  const seed = (settings.seed + index) >>> 0;
  const hash = createHash('sha256');
  let bytes = 0;
  try {
    const handle = await client.exec(emitPayloadArgv(seed, settings.bytes, marker));
    for await (const chunk of handle) {
      if (chunk.stream !== 'stdout') continue;
      hash.update(chunk.data);
      bytes += chunk.data.length;
      onChunk(chunk.data.length);
    }
    const status = await handle.wait();
    return {
      stream: index,
      bytes,
      expectedBytes: settings.bytes,
      exact: bytes === settings.bytes && hash.digest('hex') === payloadSha256(seed, settings.bytes),
      exitCode: status.exitCode,
    };
  } catch (err) {
    return {
      stream: index,
      bytes,
      expectedBytes: settings.bytes,
      exact: false,
      exitCode: null,
      error: (err as Error).message,
    };
  }
}

function timelineSummary(settings: SimSettings, verdict: string) {
  const s = settings;
  return {
    title: 'relaykit sim',
    meta: {
      seed: s.seed,
      streams: s.streams,
      bytes: s.bytes,
      drop: s.drop,
      dup: s.dup,
      reorder: s.reorder,
      'delay ms': s.delayMs,
      'kill every s': s.killEverySec,
      'deploy every s': s.deployEverySec,
      verdict,
    },
    windowFrames: DEFAULT_STREAM_CONFIG.windowFrames,
  };
}

export async function runSim(settings: SimSettings, options: SimOptions = {}): Promise<SimReport> {
  const stack = await startStack({
    seed: settings.seed,
    tap: true,
    timeline: options.onTimeline !== undefined,
  });
  const timers: NodeJS.Timeout[] = [];
  let verdict = 'did not finish';
  try {
    const clients = await Promise.all(Array.from({ length: settings.streams }, () => stack.harness()));
    stack.proxy.setFaults('both', {
      drop: settings.drop,
      duplicate: settings.dup,
      reorder: settings.reorder,
      delayMs: settings.delayMs,
    });
    const recoveries: number[] = [];
    let pendingFaults: number[] = [];
    const prng = createPrng(deriveSeed(settings.seed, 'sim-kills'));
    const modes: KillMode[] = ['clean', 'abrupt'];
    let deploys = 0;
    let refusedDeploys = 0;
    if (settings.killEverySec > 0) {
      timers.push(
        setInterval(() => {
          if (stack.proxy.killAll(modes[prng.int(modes.length)] as KillMode) === 0) return;
          pendingFaults.push(performance.now());
        }, settings.killEverySec * 1000),
      );
    }
    if (settings.deployEverySec > 0) {
      timers.push(
        setInterval(() => {
          stack.proxy.killAll('abrupt');
          pendingFaults.push(performance.now());
          void stack.evictDurableObject().then(
            () => {
              deploys++;
            },
            () => {
              refusedDeploys++;
            },
          );
        }, settings.deployEverySec * 1000),
      );
    }
    const onChunk = (n: number) => {
      if (pendingFaults.length > 0) {
        const now = performance.now();
        for (const at of pendingFaults) {
          recoveries.push(now - at);
          stack.timeline?.recovery(now - at);
        }
        pendingFaults = [];
      }
      options.onProgress?.(n);
    };
    const started = performance.now();
    const results = await Promise.all(
      clients.map((client, i) => runStream(client, i, settings, stack.marker, onChunk)),
    );
    const elapsedMs = performance.now() - started;
    for (const timer of timers) clearInterval(timer);
    const proxyStats = stack.proxy.stats();
    const tap = stack.tap?.counts() ?? { dataFrames: {}, retransmissions: {}, resets: {} };
    const exactBytes = results.filter((r) => r.exact).reduce((sum, r) => sum + r.bytes, 0);
    const lostBytes = results.reduce((sum, r) => sum + Math.max(0, r.expectedBytes - r.bytes), 0);
    const duplicatedBytes = results.reduce((sum, r) => sum + Math.max(0, r.bytes - r.expectedBytes), 0);
    const corruptedStreams = results.filter((r) => !r.exact && r.bytes === r.expectedBytes).length;
    const ok = results.every((r) => r.exact && r.exitCode === 0);
    const outcome: SimReport['verdict'] = ok && lostBytes === 0 && duplicatedBytes === 0 ? 'ok' : 'fail';
    verdict = outcome;
    return {
      settings,
      elapsedMs: Math.round(elapsedMs),
      goodputBytesPerSec: Math.round(exactBytes / (elapsedMs / 1000)),
      retransmissions: {
        executor: tap.retransmissions.executor ?? 0,
        harness: tap.retransmissions.harness ?? 0,
      },
      dataFrames: { executor: tap.dataFrames.executor ?? 0, harness: tap.dataFrames.harness ?? 0 },
      resets: tap.resets,
      faults: {
        dropped: proxyStats.upstream.dropped + proxyStats.downstream.dropped,
        duplicated: proxyStats.upstream.duplicated + proxyStats.downstream.duplicated,
        reordered: proxyStats.upstream.reordered + proxyStats.downstream.reordered,
        kills: proxyStats.kills.clean + proxyStats.kills.abrupt + proxyStats.kills.halfOpen,
        deploys,
        refusedDeploys,
      },
      recoveries: recoveries.length,
      timeToRecoverMs: {
        median: median(recoveries) === null ? null : Math.round(median(recoveries) as number),
        max: recoveries.length === 0 ? null : Math.round(Math.max(...recoveries)),
      },
      lostBytes,
      duplicatedBytes,
      corruptedStreams,
      streams: results,
      verdict: outcome,
    };
  } finally {
    for (const timer of timers) clearInterval(timer);
    await stack.dispose();
    if (stack.timeline !== undefined)
      options.onTimeline?.(stack.timeline.data(timelineSummary(settings, verdict)));
  }
}
