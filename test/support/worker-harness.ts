/** The worker under Miniflare for tests: see sim/worker-runner.ts. */
export {
  type MintTokenOptions,
  type RegistryAnswer,
  type RelayStats,
  type Role,
  type StartWorkerOptions,
  startWorker,
  type WorkerUnderTest,
  workerBundle,
} from '../../sim/worker-runner.ts';
