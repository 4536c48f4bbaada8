/**
 * A relay-mode executor for the benchmarks: the same code as
 * `relaykit executor --registry …` (startRemoteExecutor), with two endpoint
 * settings the command line does not expose, taken from the environment:
 *
 *   BENCH_RTO=fixed          the fixed 500 ms retransmission mode (default: adaptive)
 *   BENCH_MAX_STREAMS=N      streams the executor socket accepts (default 128)
 *
 *   node bench/lib/relay-executor-main.ts REGISTRY_URL EXECUTOR_ID   (token in RELAYKIT_EXECUTOR_TOKEN)
 */
import { connectRelay, FIXED_500MS_RTO, type StreamConfig } from '../../endpoint/index.ts';
import { createLogger } from '../../executor/logger.ts';
import { startRemoteExecutor } from '../../executor/remote-executor.ts';

const [registryUrl, executorId] = process.argv.slice(2);
const token = process.env.RELAYKIT_EXECUTOR_TOKEN;
if (!registryUrl || !executorId || !token) {
  process.stderr.write(
    'usage: relay-executor-main.ts REGISTRY_URL EXECUTOR_ID (token in RELAYKIT_EXECUTOR_TOKEN)\n',
  );
  process.exit(2);
}
const stream: Partial<StreamConfig> | undefined =
  process.env.BENCH_RTO === 'fixed' ? { rto: FIXED_500MS_RTO } : undefined;
const maxStreams = process.env.BENCH_MAX_STREAMS ? Number(process.env.BENCH_MAX_STREAMS) : undefined;

const executor = await startRemoteExecutor({
  registryUrl,
  executorId,
  token,
  logger: createLogger('warn'),
  connectRelay: (options) => connectRelay({ ...options, stream, maxStreams }),
});
process.stdout.write(`registered ${executorId}\n`);
const stop = async () => {
  await executor.close();
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
