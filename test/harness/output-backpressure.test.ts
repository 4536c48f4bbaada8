import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_STREAM_CONFIG } from '../../endpoint/index.ts';
import { connect, type HarnessClient } from '../../harness/index.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import {
  type SpawnedExecutor,
  type SpawnedRelayExecutor,
  spawnLocalExecutor,
  spawnRelayExecutor,
} from './executor-process.ts';
import { until } from './helpers.ts';

const MiB = 1024 * 1024;
const OUTPUT_BYTES = 64 * MiB;
/** One relay send window: what may still be delivered after the pause took effect. */
const ONE_WINDOW = DEFAULT_STREAM_CONFIG.windowBytes;
/**
 * While the reader has read less than this, the producer cannot have written
 * everything: all the buffers between the harness queue and the process
 * (watermark, window, socket buffers, pipe) hold far less than the rest.
 */
const PRODUCER_BOUNDED_UNTIL = OUTPUT_BYTES / 2;
/** The slow half is read at about this many bytes per millisecond (pacing only; nothing asserts on time). */
const PACE_BYTES = 32 * 1024;

let dir: string;
let payload: string;
let payloadSha256: string;
let client: HarnessClient | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'relaykit-backpressure-'));
  payload = join(dir, 'payload.bin');
  const bytes = randomBytes(OUTPUT_BYTES);
  payloadSha256 = createHash('sha256').update(bytes).digest('hex');
  await writeFile(payload, bytes);
});

afterEach(async () => {
  await client?.close();
  client = undefined;
});

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/**
 * Runs `cat payload && : > marker` and reads nothing until the harness
 * reports its output backlog paused; then checks the backlog bound, reads the
 * first half slowly while checking that the producer is held back (the marker
 * cannot exist yet), and reads the rest.
 */
async function slowReaderScenario(harness: HarnessClient, marker: string): Promise<void> {
  const backlog = harness.outputBacklog;
  const bound = backlog.highWaterBytes + ONE_WINDOW;
  const handle = await harness.exec(['sh', '-c', `cat "$1" && : > "$2"`, 'sh', payload, marker]);

  await until(() => backlog.paused, 'the output backlog to pause', 60_000);
  expect(backlog.queuedBytes).toBeGreaterThan(backlog.highWaterBytes);
  expect(backlog.queuedBytes).toBeLessThanOrEqual(bound);
  expect(existsSync(marker)).toBe(false);

  const hash = createHash('sha256');
  let read = 0;
  let paced = 0;
  for await (const chunk of handle) {
    expect(chunk.stream).toBe('stdout');
    hash.update(chunk.data);
    read += chunk.data.length;
    if (read < PRODUCER_BOUNDED_UNTIL) {
      // The process cannot have finished writing while most of its output is unread.
      expect(existsSync(marker)).toBe(false);
      // Read the first half slowly, so that without backpressure the producer would race ahead.
      for (; paced < read; paced += PACE_BYTES) await sleep(1);
    }
  }
  expect(await handle.wait()).toEqual({ exitCode: 0, signal: null });
  expect(read).toBe(OUTPUT_BYTES);
  expect(hash.digest('hex')).toBe(payloadSha256);
  expect(existsSync(marker)).toBe(true);
  expect(backlog.peakQueuedBytes).toBeLessThanOrEqual(bound);
  expect(backlog.queuedBytes).toBe(0);
  expect(backlog.paused).toBe(false);
}

describe('bounded output for a slow reader, local mode', () => {
  let executor: SpawnedExecutor;

  beforeAll(async () => {
    executor = await spawnLocalExecutor();
  });

  afterAll(async () => {
    await executor?.stop();
  });

  it('pauses the connection at the high watermark, holds the producer back and still delivers every byte', async () => {
    client = await connect({
      url: executor.url,
      outputBacklog: { highWaterBytes: 4 * MiB, lowWaterBytes: 1 * MiB },
    });
    await slowReaderScenario(client, join(dir, 'local.done'));
  });

  it('keeps answering requests after the reader caught up', async () => {
    client = await connect({ url: executor.url, outputBacklog: { highWaterBytes: 1 * MiB } });
    expect(client.outputBacklog.lowWaterBytes).toBe(256 * 1024);
    const result = await client.run(['head', '-c', String(8 * MiB), payload]);
    expect(result.stdout.length).toBe(8 * MiB);
    expect((await client.run(['echo', 'still here'])).stdout.toString()).toBe('still here\n');
  });
});

describe('bounded output for a slow reader, relay mode (worker under Miniflare)', () => {
  const executorId = 'harness-backpressure-1';
  let worker: WorkerUnderTest;
  let executor: SpawnedRelayExecutor | undefined;

  beforeAll(async () => {
    worker = await startWorker();
    executor = await spawnRelayExecutor(worker, executorId);
  });

  afterAll(async () => {
    await executor?.stop();
    await worker?.dispose();
  });

  it('pauses the stream at the high watermark, holds the producer back and still delivers every byte', async () => {
    client = await connect({
      registryUrl: worker.url,
      executorId,
      token: await worker.mintToken('harness', executorId),
    });
    expect(client.outputBacklog.highWaterBytes).toBe(8 * MiB);
    await slowReaderScenario(client, join(dir, 'relay.done'));
  });
});
