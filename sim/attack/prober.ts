/** A well-behaved harness that keeps making round trips while an attack runs. */
import type { HarnessClient } from '../../harness/index.ts';

export interface Prober {
  /** Stops probing; resolves with the round trips made and the slowest one (ms). */
  stop(): Promise<{ roundTrips: number; slowestMs: number }>;
}

/** Repeats `environment/info` on `client` back to back (pausing `gapMs` between) until stopped. */
export function startProber(client: HarnessClient, gapMs = 50): Prober {
  let running = true;
  let roundTrips = 0;
  let slowestMs = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      await client.environmentInfo();
      slowestMs = Math.max(slowestMs, performance.now() - started);
      roundTrips++;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { roundTrips, slowestMs };
    },
  };
}
