/** A well-behaved harness that keeps making round trips while an attack runs. */
import type { HarnessClient } from '../../harness/index.ts';

export interface ProbeResult {
  roundTrips: number;
  /** The slowest round trip, in ms (for reports). */
  slowestMs: number;
  /** What ended the probing early, if anything did. */
  error?: Error;
}

export interface Prober {
  /** Stops probing; resolves with what was probed. */
  stop(): Promise<ProbeResult>;
}

/** Repeats `environment/info` on `client` back to back (pausing `gapMs` between) until stopped or failed. */
export function startProber(client: HarnessClient, gapMs = 50): Prober {
  let running = true;
  const result: ProbeResult = { roundTrips: 0, slowestMs: 0 };
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await client.environmentInfo();
      result.slowestMs = Math.max(result.slowestMs, performance.now() - started);
      result.roundTrips++;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  })().catch((err: Error) => {
    result.error = err;
  });
  return {
    async stop() {
      running = false;
      await loop;
      return result;
    },
  };
}
