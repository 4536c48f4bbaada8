/**
 * How many frames per second one ExecutorRelay Durable Object routes under
 * Miniflare on this machine, for 1 KiB and 60 KiB frames, in each direction.
 *
 *   node bench/worker-routing.ts [--frames-1k N] [--frames-60k N]
 *
 * One executor socket and one harness socket on one stream over loopback; the
 * sender keeps a bounded number of frames in flight (a window, as the
 * endpoints do) and the clock stops when the last frame has arrived.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { frameOfSize, resumeFrame } from '../test/support/relay-frames.ts';
import { openExecutor, openHarness } from '../test/support/relay-session.ts';
import type { RelaySocket } from '../test/support/relay-socket.ts';
import { startWorker } from '../test/support/worker-harness.ts';

const { values } = parseArgs({
  options: {
    'frames-1k': { type: 'string', default: '100000' },
    'frames-60k': { type: 'string', default: '10000' },
  },
});

interface Result {
  frameBytes: number;
  direction: string;
  frames: number;
  seconds: number;
}

/** Sends `frames` frames from `from` to `to` keeping at most `window` in flight. */
async function pump(from: RelaySocket, to: RelaySocket, frame: Uint8Array, frames: number, window: number) {
  let sent = 0;
  let received = 0;
  const start = process.hrtime.bigint();
  await new Promise<void>((resolve, reject) => {
    const fill = () => {
      while (sent < frames && sent - received < window) {
        from.ws.send(frame);
        sent++;
      }
    };
    const onMessage = () => {
      received++;
      if (received === frames) {
        to.ws.off('message', onMessage);
        resolve();
      } else fill();
    };
    to.ws.on('message', onMessage);
    to.ws.once('close', () => reject(new Error('receiving socket closed')));
    fill();
  });
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const worker = await startWorker();
try {
  const executorId = `bench-${randomUUID()}`;
  const executor = await openExecutor(worker, executorId);
  const harness = await openHarness(worker, executorId);
  const stream = randomUUID();
  harness.send(resumeFrame(stream));
  await executor.nextFrame();

  const results: Result[] = [];
  for (const [frameBytes, frames, window] of [
    [1024, Number(values['frames-1k']), 256],
    [60 * 1024, Number(values['frames-60k']), 32],
  ] as const) {
    const frame = frameOfSize(stream, frameBytes);
    // Warm up both directions before measuring.
    await pump(harness, executor, frame, Math.min(500, frames), window);
    await pump(executor, harness, frame, Math.min(500, frames), window);
    results.push({
      frameBytes: frame.length,
      direction: 'harness → executor',
      frames,
      seconds: await pump(harness, executor, frame, frames, window),
    });
    results.push({
      frameBytes: frame.length,
      direction: 'executor → harness',
      frames,
      seconds: await pump(executor, harness, frame, frames, window),
    });
  }
  await Promise.all([executor.close(), harness.close()]);

  const stats = await worker.stats(executorId);
  console.log('ExecutorRelay routing under Miniflare (one object, one stream, loopback WebSockets)');
  console.log('frame bytes  direction            frames   seconds   frames/s      MiB/s');
  for (const r of results) {
    const fps = r.frames / r.seconds;
    console.log(
      `${String(r.frameBytes).padStart(11)}  ${r.direction.padEnd(19)}  ${String(r.frames).padStart(6)}  ${r.seconds
        .toFixed(2)
        .padStart(
          8,
        )}  ${fps.toFixed(0).padStart(9)}  ${((fps * r.frameBytes) / 2 ** 20).toFixed(1).padStart(9)}`,
    );
  }
  console.log(`drops counted by the object: ${JSON.stringify(stats.drops)}`);
} finally {
  await worker.dispose();
}
