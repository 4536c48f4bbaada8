/** The systems under measurement: a local-mode executor, and worker + relay-mode executor. */
import { randomUUID } from 'node:crypto';
import { connect, type HarnessClient, type RelayConnectOptions } from '../../harness/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import {
  type Child,
  type RelayExecutorSettings,
  spawnLocalExecutor,
  spawnRelayExecutor,
} from './processes.ts';

export interface MeasuredSystem {
  readonly name: 'relay' | 'direct';
  readonly executor: Child;
  connect(): Promise<HarnessClient>;
  stop(): Promise<void>;
}

export async function directSystem(): Promise<MeasuredSystem> {
  const executor = await spawnLocalExecutor();
  return {
    name: 'direct',
    executor,
    connect: () => connect({ url: executor.ready }),
    stop: () => executor.stop(),
  };
}

export interface RelaySystem extends MeasuredSystem {
  readonly executorId: string;
  readonly registryUrl: string;
  readonly harnessToken: string;
}

export interface RelaySystemOptions extends RelayExecutorSettings {
  /** Where harness and executor reach the registry (default the worker; e.g. a fault proxy in front of it). */
  registryUrl?: string;
  /** Endpoint tuning of the harness side. */
  relay?: RelayConnectOptions['relay'];
}

export async function relaySystem(
  worker: WorkerUnderTest,
  options: RelaySystemOptions = {},
): Promise<RelaySystem> {
  const executorId = `bench-${randomUUID()}`;
  const registryUrl = options.registryUrl ?? worker.url;
  const executor = await spawnRelayExecutor(
    registryUrl,
    executorId,
    await worker.mintToken('executor', executorId),
    options,
  );
  const harnessToken = await worker.mintToken('harness', executorId);
  return {
    name: 'relay',
    executor,
    executorId,
    registryUrl,
    harnessToken,
    connect: () =>
      connect({
        registryUrl,
        executorId,
        token: harnessToken,
        security: (options.securityProfile ?? SECURE_PROFILE) === SECURE_PROFILE ? 'secure' : 'cleartext',
        relay: options.relay,
      }),
    stop: () => executor.stop(),
  };
}
