/**
 * Loss: goodput of one large output through the fault proxy (frames dropped
 * at random in both directions, between each endpoint and the rendezvous) as
 * a fraction of the lossless run through the same proxy, for the adaptive
 * RTO with fast retransmit and for the fixed 500 ms mode.
 */
import { startFaultProxy } from '../../faults/index.ts';
import type { SecurityProfile } from '../../proto/secure-relay.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { relaySystem } from '../lib/systems.ts';
import { remoteProducer } from './throughput.ts';

export type RtoMode = 'adaptive' | 'fixed';

export interface LossSetup {
  /** Seconds for one transfer of `bytes` at each drop rate. */
  run(drop: number): Promise<number>;
  close(): Promise<void>;
}

export async function lossSetup(
  worker: WorkerUnderTest,
  mode: RtoMode,
  bytes: number,
  securityProfile: SecurityProfile,
): Promise<LossSetup> {
  // One seeded proxy per mode: each run draws the next decisions from its sequence.
  const proxy = await startFaultProxy({ target: worker.url, seed: 1 });
  const system = await relaySystem(worker, {
    registryUrl: proxy.httpUrl,
    securityProfile,
    rto: mode,
    relay: mode === 'fixed' ? { stream: { rto: { mode: 'fixed', ms: 500 } } } : undefined,
  });
  const client = await system.connect();
  return {
    async run(drop) {
      proxy.setFaults('both', { drop });
      try {
        return await remoteProducer(client, bytes);
      } finally {
        proxy.clearFaults();
      }
    },
    async close() {
      await client.close();
      await system.stop();
      await proxy.close();
    },
  };
}
