/**
 * Scale: N sessions opened at once on one executor, each on its own stream,
 * each running `echo`, within every default limit (DESIGN.md §3, §4, §6).
 * The streams are spread over harness identities, one relay socket each (a
 * token of its own, so the rendezvous and the executor count them apart),
 * each carrying at most `streamsPerSocket` streams at once: the executor
 * grants one identity 64 streams (`--max-streams-per-harness`) and 1,024 in
 * all (`--max-streams`), the rendezvous 64 harness sockets per executor and
 * 128 new streams per socket before pacing them at 32 a second.
 *
 * `hold`: every session stays open until all have finished, so all N are
 * concurrent (N ≤ sockets × streamsPerSocket). Otherwise each closes once
 * its `echo` has exited and the clients beyond a socket's share wait their
 * turn (the churn of many short sessions).
 */

import type { ContainmentMode } from '../../executor/index.ts';
import { type HarnessClient, openRelaySocket, type SharedRelaySocket } from '../../harness/index.ts';
import type { SecurityProfile } from '../../proto/secure-relay.ts';
import { procRss } from '../../sim/memory.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { RssSampler } from '../lib/memory.ts';
import { msSince, repeat, summarize } from '../lib/stats.ts';
import { type RelaySystem, relaySystem } from '../lib/systems.ts';

export interface ScaleShape {
  streams: number;
  /** Harness identities, one socket each. */
  sockets: number;
  /** Streams one socket carries at once (the harness's `relay.maxStreams`). */
  streamsPerSocket: number;
  /** Keep every session open until all have finished. */
  hold: boolean;
}

export interface ScaleRun {
  streams: number;
  harnessSockets: number;
  completed: number;
  failed: number;
  firstError?: string;
  /** Per stream: ms from asking for the session to the exit status of `echo`. */
  perStreamMs: { median: number; p99: number; max: number };
  /** From the first session asked for to the last one done. */
  wallMs: number;
  executorPeakRssBytes: number;
  /** What the Durable Object saw at the end (with `hold`: while every stream was open). */
  objectSockets: { executor: number; harness: number };
  objectStreams: number;
}

/** The shape of a run of `streams` sessions: all held at once up to 1,000, churning beyond. */
function scaleShape(streams: number): ScaleShape {
  if (streams <= 1000) {
    const sockets = Math.ceil(streams / 64);
    return { streams, sockets, streamsPerSocket: Math.ceil(streams / sockets), hold: true };
  }
  // Every harness socket the rendezvous allows, 15 streams each: 960 at once, under --max-streams.
  return { streams, sockets: 64, streamsPerSocket: 15, hold: false };
}

async function openSockets(worker: WorkerUnderTest, system: RelaySystem, shape: ScaleShape) {
  return Promise.all(
    Array.from({ length: shape.sockets }, async () =>
      openRelaySocket({
        registryUrl: system.registryUrl,
        executorId: system.executorId,
        // A token of its own: a harness identity of its own.
        token: await worker.mintToken('harness', system.executorId),
        relay: { maxStreams: shape.streamsPerSocket },
      }),
    ),
  );
}

async function measureScale(
  worker: WorkerUnderTest,
  system: RelaySystem,
  shape: ScaleShape,
): Promise<ScaleRun> {
  const { streams, hold } = shape;
  const sockets: SharedRelaySocket[] = await openSockets(worker, system, shape);
  const sampler = new RssSampler(() => procRss(system.executor.pid)?.rss);
  const start = process.hrtime.bigint();
  const durations: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let done = 0;
  let allDone!: () => void;
  const everyoneDone = new Promise<void>((resolve) => {
    allDone = resolve;
  });
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  const one = async (i: number) => {
    const t0 = process.hrtime.bigint();
    const socket = sockets[i % sockets.length] as SharedRelaySocket;
    let client: HarnessClient | undefined;
    try {
      client = await socket.client({ clientName: 'relaykit-bench', firstAnswerTimeoutMs: 60_000 });
      const result = await client.run(['echo', `stream ${i}`]);
      if (result.exitCode !== 0 || result.stdout.toString() !== `stream ${i}\n`)
        throw new Error(
          `stream ${i}: exit ${result.exitCode}, output ${JSON.stringify(result.stdout.toString())}`,
        );
      durations.push(msSince(t0));
    } catch (err) {
      failed += 1;
      firstError ??= (err as Error).message;
    } finally {
      if (++done === streams) allDone();
      if (hold) await held;
      await client?.close();
    }
  };
  const runs = Array.from({ length: streams }, (_, i) => one(i));
  await everyoneDone;
  const wallMs = msSince(start);
  const stats = await worker.stats(system.executorId);
  release();
  await Promise.all(runs);
  await Promise.all(sockets.map((s) => s.close()));
  const executorPeakRssBytes = sampler.stop();
  const summary = summarize(durations);
  const sorted = [...durations].sort((a, b) => a - b);
  return {
    streams,
    harnessSockets: sockets.length,
    completed: durations.length,
    failed,
    ...(firstError !== undefined && { firstError }),
    perStreamMs: {
      median: summary.median,
      p99: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? Number.NaN,
      max: summary.max,
    },
    wallMs,
    executorPeakRssBytes,
    objectSockets: stats.sockets,
    objectStreams: stats.streams,
  };
}

/**
 * The runs of one size on a fresh executor with every limit at its default
 * (containment too, unless `containment` is given);
 * the churn of more than 1,000 sessions is measured once, with no warm-up.
 */
export async function measureScaleSize(
  worker: WorkerUnderTest,
  streams: number,
  settings: { runs: number; warmup: number },
  securityProfile: SecurityProfile,
  containment?: ContainmentMode,
): Promise<{ shape: ScaleShape; runs: ScaleRun[] }> {
  const system = await relaySystem(worker, { securityProfile, containment });
  const shape = scaleShape(streams);
  const once = streams > 1000;
  try {
    const runs = await repeat(once ? 1 : settings.runs, once ? 0 : settings.warmup, () =>
      measureScale(worker, system, shape),
    );
    return { shape, runs };
  } finally {
    await system.stop();
  }
}
