/**
 * Scale: N concurrent sessions, each on its own stream, all on one executor
 * socket, each running `echo`. Harness streams share sockets, at most
 * `streamsPerSocket` per socket (the rendezvous allows 128 by default).
 */
import { openRelaySocket } from '../../harness/index.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { procRss, RssSampler } from '../lib/memory.ts';
import { msSince, summarize } from '../lib/stats.ts';
import type { RelaySystem } from '../lib/systems.ts';

export interface ScaleRun {
  streams: number;
  harnessSockets: number;
  completed: number;
  failed: number;
  firstError?: string;
  /** Per stream: ms from opening the session to the exit status of `echo`. */
  perStreamMs: { median: number; p99: number; max: number };
  wallMs: number;
  executorPeakRssBytes: number;
  /** What the Durable Object saw while every stream was open. */
  objectSockets: { executor: number; harness: number };
  objectStreams: number;
}

export async function measureScale(
  worker: WorkerUnderTest,
  system: RelaySystem,
  streams: number,
  streamsPerSocket: number,
): Promise<ScaleRun> {
  const socketCount = Math.ceil(streams / streamsPerSocket);
  const target = {
    registryUrl: system.registryUrl,
    executorId: system.executorId,
    token: system.harnessToken,
  };
  const sockets = await Promise.all(Array.from({ length: socketCount }, () => openRelaySocket(target)));
  const sampler = new RssSampler(() => procRss(system.executor.pid)?.rss);
  const start = process.hrtime.bigint();
  const durations: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  let opened = 0;
  let allOpen!: () => void;
  const everyoneOpen = new Promise<void>((resolve) => {
    allOpen = resolve;
  });
  let release!: () => void;
  const hold = new Promise<void>((resolve) => {
    release = resolve;
  });
  const one = async (i: number) => {
    const t0 = process.hrtime.bigint();
    const socket = sockets[i % socketCount];
    if (socket === undefined) throw new Error('no socket');
    const client = await socket.client({ clientName: 'relaykit-bench', firstAnswerTimeoutMs: 60_000 });
    try {
      const result = await client.run(['echo', `stream ${i}`]);
      if (result.exitCode !== 0 || result.stdout.toString() !== `stream ${i}\n`)
        throw new Error(
          `stream ${i}: exit ${result.exitCode}, output ${JSON.stringify(result.stdout.toString())}`,
        );
      durations.push(msSince(t0));
    } finally {
      // Keep every session open until all have finished, so they are concurrent and countable.
      if (++opened === streams) allOpen();
      await hold;
      await client.close();
    }
  };
  const runs = Array.from({ length: streams }, (_, i) =>
    one(i).catch((err: Error) => {
      failed += 1;
      firstError ??= err.message;
      if (++opened === streams) allOpen();
    }),
  );
  await everyoneOpen;
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
    harnessSockets: socketCount,
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
