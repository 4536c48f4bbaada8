/**
 * A harness in its own process that runs a fast producer (`head -c BYTES
 * /dev/zero`) through the relay and consumes its output at most at RATE
 * MiB/s; prints `{"peakRssBytes":…,"seconds":…,"bytes":…}` when done.
 *
 *   node bench/lib/slow-reader-main.ts REGISTRY_URL EXECUTOR_ID BYTES RATE_MIB_S   (token in RELAYKIT_HARNESS_TOKEN)
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from '../../harness/index.ts';
import { MiB } from '../../sim/memory.ts';
import { RssSampler } from './memory.ts';

const [registryUrl, executorId, bytesArg, rateArg] = process.argv.slice(2);
const token = process.env.RELAYKIT_HARNESS_TOKEN;
if (!registryUrl || !executorId || !bytesArg || !rateArg || !token) {
  process.stderr.write('usage: slow-reader-main.ts REGISTRY_URL EXECUTOR_ID BYTES RATE_MIB_S\n');
  process.exit(2);
}
const bytes = Number(bytesArg);
const bytesPerMs = (Number(rateArg) * MiB) / 1000;

const sampler = new RssSampler(() => process.memoryUsage.rss(), 10);
const client = await connect({ registryUrl, executorId, token });
const start = performance.now();
const handle = await client.exec(['head', '-c', String(bytes), '/dev/zero']);
let received = 0;
for await (const chunk of handle) {
  received += chunk.data.length;
  const due = start + received / bytesPerMs;
  const ahead = due - performance.now();
  if (ahead > 1) await sleep(ahead);
}
await handle.wait();
const seconds = (performance.now() - start) / 1000;
await client.close();
const peakRssBytes = sampler.stop();
process.stdout.write(`${JSON.stringify({ peakRssBytes, seconds, bytes: received })}\n`);
process.exit(0);
