/**
 * Memory: the executor's resident memory once it has registered and sits
 * idle (from the sources, as a clone runs it, and compiled, as the installed
 * package runs it; both security profiles), and the peak RSS of the
 * executor and of the harness (each its own process) while a slow reader
 * consumes a fast producer through the relay. Bounded memory means the
 * peaks do not grow with the output size.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SECURE_PROFILE, SECURITY_PROFILES, type SecurityProfile } from '../../proto/secure-relay.ts';
import { MiB, procRss } from '../../sim/memory.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { RssSampler } from '../lib/memory.ts';
import { buildCompiledCli, spawnLibraryFloor } from '../lib/processes.ts';
import { repeat } from '../lib/stats.ts';
import { relaySystem } from '../lib/systems.ts';

const SLOW_READER = fileURLToPath(new URL('../lib/slow-reader-main.ts', import.meta.url));

/** How long a registered executor is left alone before its RSS is read. */
const IDLE_SETTLE_MS = 5000;

export interface MemoryRun {
  outputBytes: number;
  readerMiBps: number;
  seconds: number;
  executorPeakRssBytes: number;
  harnessPeakRssBytes: number;
}

/** The RSS of `pid` (`what` names it in errors) after it was left alone for IDLE_SETTLE_MS. */
async function settledRss(pid: number, what: string): Promise<number> {
  await sleep(IDLE_SETTLE_MS);
  const rss = procRss(pid)?.rss;
  if (rss === undefined) throw new Error(`${what} has no RSS to read`);
  return rss;
}

/** RSS of a relay executor registered and idle for a few seconds (no stream has been opened). */
async function measureIdleRss(
  worker: WorkerUnderTest,
  securityProfile: SecurityProfile,
  compiled: boolean,
): Promise<number> {
  const system = await relaySystem(worker, { securityProfile, compiled });
  try {
    return await settledRss(system.executor.pid, 'the idle executor');
  } finally {
    await system.stop();
  }
}

/** RSS of Node with the executor's runtime libraries loaded and nothing else, idle as long. */
async function measureLibraryFloorRss(): Promise<number> {
  const floor = await spawnLibraryFloor();
  try {
    return await settledRss(floor.pid, 'the library floor');
  } finally {
    await floor.stop();
  }
}

export const LIBRARY_FLOOR_KEY = "idle RSS of node with the executor's libraries loaded (floor)";

/**
 * Idle RSS in MiB, `runs` times, in both profiles, from the sources and
 * compiled (built here), and the libraries' floor, interleaved.
 */
export async function measureIdleRssEverywhere(
  worker: WorkerUnderTest,
  runs: number,
): Promise<Record<string, number[]>> {
  buildCompiledCli();
  const idle: Record<string, number[]> = {};
  await repeat(runs, 0, async () => {
    for (const compiled of [false, true])
      for (const profile of SECURITY_PROFILES) {
        const key = `executor idle RSS, ${profile === SECURE_PROFILE ? 'secure' : 'cleartext'}, ${compiled ? 'compiled' : 'sources'}`;
        idle[key] = [...(idle[key] ?? []), (await measureIdleRss(worker, profile, compiled)) / MiB];
      }
    idle[LIBRARY_FLOOR_KEY] = [...(idle[LIBRARY_FLOOR_KEY] ?? []), (await measureLibraryFloorRss()) / MiB];
  });
  return idle;
}

export async function measureMemory(
  worker: WorkerUnderTest,
  outputBytes: number,
  readerMiBps: number,
  securityProfile: SecurityProfile,
  /** Run the executor compiled (dist/, built by `buildCompiledCli`) instead of from the sources. */
  compiled: boolean,
): Promise<MemoryRun> {
  if (compiled) buildCompiledCli();
  const system = await relaySystem(worker, { securityProfile, compiled });
  const sampler = new RssSampler(() => procRss(system.executor.pid)?.rss);
  try {
    const child = spawn(
      process.execPath,
      [SLOW_READER, system.registryUrl, system.executorId, String(outputBytes), String(readerMiBps)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, RELAYKIT_HARNESS_TOKEN: system.harnessToken },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    if (code !== 0) throw new Error(`slow reader exited ${code}: ${out}`);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as {
      peakRssBytes: number;
      seconds: number;
      bytes: number;
    };
    if (result.bytes !== outputBytes)
      throw new Error(`slow reader got ${result.bytes} of ${outputBytes} bytes`);
    return {
      outputBytes,
      readerMiBps,
      seconds: result.seconds,
      executorPeakRssBytes: sampler.stop(),
      harnessPeakRssBytes: result.peakRssBytes,
    };
  } finally {
    sampler.stop();
    await system.stop();
  }
}
