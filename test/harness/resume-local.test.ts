import { afterEach, describe, expect, it } from 'vitest';
import { connect, type HarnessClient, OutputGapError, SessionExpiredError } from '../../harness/index.ts';
import { type SpawnedExecutor, spawnLocalExecutor } from './executor-process.ts';
import { collectAll, numberedLines, until } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const { loop: LOOP, bytes: EXPECTED } = numberedLines(20_000);
const SCRIPT = `${LOOP}; exit 7`;
const fastReconnect = { initialDelayMs: 10, maxDelayMs: 100, giveUpAfterMs: 30_000 };

let executor: SpawnedExecutor | undefined;
let proxy: TcpProxy | undefined;
let client: HarnessClient | undefined;

afterEach(async () => {
  await client?.close();
  await proxy?.close();
  await executor?.stop();
  client = undefined;
  proxy = undefined;
  executor = undefined;
});

async function setUp(
  executorArgs: string[] = [],
  reconnect = fastReconnect,
): Promise<{ client: HarnessClient; proxy: TcpProxy }> {
  executor = await spawnLocalExecutor(executorArgs);
  proxy = await startTcpProxy(executor.port);
  client = await connect({ url: `ws://127.0.0.1:${proxy.port}`, reconnect });
  return { client, proxy };
}

describe('harness session resume over a local-mode WebSocket', () => {
  it('survives the socket dropping mid-output several times with the output byte-identical', async () => {
    const { client, proxy } = await setUp();
    // Two blocks of output; the second is released once every drop was recovered from.
    const handle = await client.exec(['sh', '-c', `${LOOP}; read go; ${LOOP}; exit 7`], { pipeStdin: true });
    const output = collectAll(handle);
    for (let drop = 1; drop <= 5; drop++) {
      proxy.dropAll();
      await until(() => client.resumeCount === drop, `resume ${drop}`);
    }
    await handle.write('go\n');
    expect((await output).equals(Buffer.concat([EXPECTED, EXPECTED]))).toBe(true);
    expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
    expect(client.resumeCount).toBe(5);
  });

  it('reports the exit only after all output, even when the socket dropped while nobody read', async () => {
    const { client, proxy } = await setUp();
    const handle = await client.exec(['sh', '-c', SCRIPT]);
    for (let drop = 1; drop <= 3; drop++) {
      proxy.dropAll();
      await until(() => client.resumeCount === drop, `resume ${drop}`);
    }
    expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
    // Everything was published by the time the exit was reported.
    expect((await collectAll(handle)).equals(EXPECTED)).toBe(true);
  });

  it('recovers output that was lost in flight by reading it back after the resume', async () => {
    const { client, proxy } = await setUp();
    const handle = await client.exec(['sh', '-c', `read go; ${SCRIPT}`], { pipeStdin: true });
    proxy.setLosing(true);
    const written = handle.write('go\n');
    await until(() => proxy.lostBytes > 100_000, 'output to be lost in flight');
    proxy.dropAll();
    proxy.setLosing(false);
    await written;
    expect((await collectAll(handle)).equals(EXPECTED)).toBe(true);
    expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
  });

  it('applies a write whose answer was lost exactly once when it is retried after the resume', async () => {
    const { client, proxy } = await setUp();
    const handle = await client.exec(['cat'], { pipeStdin: true });
    proxy.setLosing(true);
    const written = handle.write('exactly once\n');
    await until(() => proxy.lostBytes > 0, 'the write answer to be lost');
    proxy.dropAll();
    proxy.setLosing(false);
    await written;
    await handle.closeStdin();
    expect((await collectAll(handle)).toString()).toBe('exactly once\n');
    expect(client.resumeCount).toBe(1);
  });

  it('ends a process with an output gap error when its output fell out of retention', async () => {
    const { client, proxy } = await setUp(['--retain-bytes', '4096']);
    const handle = await client.exec(['sh', '-c', `read go; ${SCRIPT}`], { pipeStdin: true });
    proxy.setLosing(true);
    void handle.write('go\n').catch(() => {});
    await until(() => proxy.lostBytes > 200_000, 'output to be lost in flight');
    proxy.dropAll();
    proxy.setLosing(false);
    const error = await collectAll(handle).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutputGapError);
    expect((error as OutputGapError).message).toMatch(/no longer retained/);
    await expect(handle.wait()).rejects.toBeInstanceOf(OutputGapError);
  });

  it('fails with SessionExpiredError when the executor forgot the session during the outage', async () => {
    // Every reconnect attempt waits 5–10 ms after the one before.
    const { client, proxy } = await setUp(['--session-ttl-ms', '200'], {
      initialDelayMs: 10,
      maxDelayMs: 10,
      giveUpAfterMs: 30_000,
    });
    const handle = await client.exec(['sleep', '30']);
    proxy.setRefusing(true);
    proxy.dropAll();
    // 60 refused attempts take at least 59 × 5 ms, longer than the 200 ms TTL.
    await until(() => proxy.refused >= 60, 'reconnect attempts to outlast the session TTL');
    proxy.setRefusing(false);
    await expect(handle.wait()).rejects.toBeInstanceOf(SessionExpiredError);
    await expect(client.environmentInfo()).rejects.toBeInstanceOf(SessionExpiredError);
  });
});
