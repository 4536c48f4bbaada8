/**
 * How many frames per second one ExecutorRelay Durable Object routes under
 * Miniflare on this machine, for 1 KiB and 60 KiB frames, in each direction.
 * (`npm run bench -- --only routing` measures the same with repetitions.)
 *
 *   node bench/worker-routing.ts [--frames-1k N] [--frames-60k N]
 */
import { parseArgs } from 'node:util';
import { startWorker } from '../sim/worker-runner.ts';
import { openRoutingPair } from './suites/routing.ts';

const { values } = parseArgs({
  options: {
    'frames-1k': { type: 'string', default: '100000' },
    'frames-60k': { type: 'string', default: '10000' },
  },
});

const worker = await startWorker();
try {
  const pair = await openRoutingPair(worker);
  console.log('ExecutorRelay routing under Miniflare (one object, one stream, loopback WebSockets)');
  console.log('frame bytes  direction            frames   seconds   frames/s      MiB/s');
  for (const [bytes, frames] of [
    [1024, Number(values['frames-1k'])],
    [60 * 1024, Number(values['frames-60k'])],
  ] as const) {
    for (const direction of ['harness → executor', 'executor → harness'] as const) {
      await pair.pump(direction, bytes, Math.min(500, frames));
      const seconds = await pair.pump(direction, bytes, frames);
      const fps = frames / seconds;
      const size = pair.frameSize(bytes);
      console.log(
        `${String(size).padStart(11)}  ${direction.padEnd(19)}  ${String(frames).padStart(6)}  ${seconds.toFixed(2).padStart(8)}  ${fps.toFixed(0).padStart(9)}  ${((fps * size) / 2 ** 20).toFixed(1).padStart(9)}`,
      );
    }
  }
  const stats = await worker.stats(pair.executorId);
  await pair.close();
  console.log(`drops counted by the object: ${JSON.stringify(stats.drops)}`);
} finally {
  await worker.dispose();
}
