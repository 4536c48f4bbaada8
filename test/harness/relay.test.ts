import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import {
  ConnectionLostError,
  connect,
  type HarnessClient,
  HarnessConnectError,
  RendezvousError,
  RendezvousRejectedError,
  SessionExpiredError,
} from '../../harness/index.ts';
import { StaticIdentity } from '../../secure/index.ts';
import { resetFrame } from '../../sim/raw/frames.ts';
import { openHarness } from '../../sim/raw/session.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import { runCli as relaykit, type SpawnedRelayExecutor, spawnRelayExecutor } from './executor-process.ts';
import { collectAll, numberedLines, until } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const EXECUTOR_ID = 'harness-relay-1';
const { loop: LOOP, bytes: BLOCK } = numberedLines(10_000);
const fastRelay = { backoff: { initialMs: 20, maxMs: 200 } };
const fastReconnect = { initialDelayMs: 20, maxDelayMs: 200, giveUpAfterMs: 30_000 };

let worker: WorkerUnderTest;
let executor: SpawnedRelayExecutor | undefined;
/** Sits between the harness and the worker, so a test can cut the harness's socket. */
let proxy: TcpProxy;
let client: HarnessClient | undefined;

beforeAll(async () => {
  worker = await startWorker();
  executor = await spawnRelayExecutor(worker, EXECUTOR_ID);
  proxy = await startTcpProxy(Number(new URL(worker.url).port));
});

afterEach(async () => {
  await client?.close();
  client = undefined;
});

afterAll(async () => {
  await executor?.stop();
  await proxy?.close();
  await worker?.dispose();
});

async function relayClient(token?: string): Promise<HarnessClient> {
  client = await connect({
    registryUrl: `http://127.0.0.1:${proxy.port}`,
    executorId: EXECUTOR_ID,
    token: token ?? (await worker.mintToken('harness', EXECUTOR_ID)),
    relay: fastRelay,
    reconnect: fastReconnect,
  });
  return client;
}

/** A loopback port nothing listens on. */
async function unusedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('harness library through the rendezvous (worker under Miniflare)', () => {
  it('runs commands with exit codes, stderr and stdin', async () => {
    const client = await relayClient();
    const result = await client.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, signal: null });
    expect(result.stdout.toString()).toBe('out\n');
    expect(result.stderr.toString()).toBe('err\n');
    const echoed = await client.run(['tr', 'a-z', 'A-Z'], { stdin: 'through the relay\n' });
    expect(echoed.stdout.toString()).toBe('THROUGH THE RELAY\n');
    expect(client.streamId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("counts its own socket's relay traffic under the executor's metric names", async () => {
    const client = await relayClient();
    const before = client.stats();
    await client.run(['echo', 'counted']);
    const after = client.stats();
    expect(after?.relaykit_relay_connected).toBe(1);
    expect(after?.relaykit_streams_opened_total).toBe(1);
    const sent = (stats: typeof before) => stats?.relaykit_stream_data_transmissions_total as number;
    expect(sent(after)).toBeGreaterThan(sent(before));
    expect(after?.relaykit_relay_frames_received_total).toBeGreaterThan(0);
  });

  it('runs under a PTY, resizes it and delivers signals', async () => {
    const client = await relayClient();
    const pty = await client.exec(['sh', '-c', 'read x; stty size'], { tty: true, cols: 80, rows: 24 });
    await pty.resize(101, 37);
    await pty.write('go\r');
    expect((await collectAll(pty)).toString()).toMatch(/37 101/);
    const sleeper = await client.exec(['sh', '-c', 'echo ready; exec sleep 30']);
    const output = sleeper[Symbol.asyncIterator]();
    await output.next();
    await sleeper.signal('SIGINT');
    expect(await sleeper.wait()).toEqual({ exitCode: 130, signal: 'SIGINT' });
  });

  it('reads and writes files', async () => {
    const client = await relayClient();
    const path = `/tmp/relaykit-harness-relay-${process.pid}.txt`;
    await client.writeFile(path, 'via relay');
    expect((await client.readFile(path)).toString()).toBe('via relay');
    expect(await client.getMetadata(path)).toMatchObject({ isFile: true, size: 9 });
    await client.remove(path);
  });

  it('fails a write too large for the executor to read on the secure relay once, without sending it again and again', async () => {
    const client = await relayClient();
    const lost = await client
      .writeFile(
        `/tmp/relaykit-harness-never-${process.pid}`,
        new Uint8Array(2 * DEFAULT_LIMITS.maxMessageBytes),
      )
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((await client.environmentInfo()).platform).toBe(process.platform);
  });

  it('keeps output byte-identical when the harness socket is killed mid-stream and the object restarts', async () => {
    const client = await relayClient();
    const handle = await client.exec(['sh', '-c', `${LOOP}; read go; ${LOOP}; exit 7`], { pipeStdin: true });
    let received = 0;
    const output = collectAll(handle, (total) => {
      received = total;
    });
    for (let kill = 1; kill <= 4; kill++) {
      const before = { received, accepted: proxy.accepted };
      proxy.dropAll();
      if (kill === 2) await worker.evictDurableObject(EXECUTOR_ID);
      // Cut again only once the harness is back: output flows again, or (first block done) it reconnected.
      await until(
        () =>
          received > before.received || (received === BLOCK.length && proxy.accepted >= before.accepted + 2),
        `the harness to come back after kill ${kill}`,
      );
    }
    await handle.write('go\n');
    expect((await output).equals(Buffer.concat([BLOCK, BLOCK]))).toBe(true);
    expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
    // The endpoint resumed the same stream every time: no session resume was needed.
    expect(client.resumeCount).toBe(0);
  });

  it('recovers through session resume when its stream is reset from outside while a process runs', async () => {
    const token = await worker.mintToken('harness', EXECUTOR_ID, { subject: 'harness-under-test' });
    const client = await relayClient(token);
    const handle = await client.exec(['sh', '-c', `${LOOP}; read go; ${LOOP}; exit 7`], { pipeStdin: true });
    let received = 0;
    const output = collectAll(handle, (total) => {
      received = total;
    });
    await until(() => received > 0, 'first output');
    const firstStream = client.streamId as string;
    // The same identity on another socket resets the stream at the executor.
    const intruder = await openHarness(worker, EXECUTOR_ID, token, {
      harness_public_key: StaticIdentity.generate().publicKey.toJSON(),
    });
    intruder.send(resetFrame(firstStream, 'reset_by_test'));
    await intruder.close();
    // The write meets the reset stream, the session resumes on a new stream and the write is retried.
    await handle.write('go\n');
    expect((await output).equals(Buffer.concat([BLOCK, BLOCK]))).toBe(true);
    expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
    expect(client.resumeCount).toBe(1);
    expect(client.streamId).not.toBe(firstStream);
  });

  it('rejects a bad token, a token for another executor and an unreachable rendezvous with clear errors', async () => {
    const bad = await connect({
      registryUrl: worker.url,
      executorId: EXECUTOR_ID,
      token: 'not-a-token',
    }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(RendezvousRejectedError);
    expect((bad as Error).message).toMatch(/^harness token rejected \(401/);
    const other = await connect({
      registryUrl: worker.url,
      executorId: EXECUTOR_ID,
      token: await worker.mintToken('harness', 'someone-else'),
    }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(RendezvousRejectedError);
    expect((other as Error).message).toMatch(
      /^harness token is not valid for executor harness-relay-1 \(403/,
    );
    const down = await connect({
      registryUrl: `http://127.0.0.1:${await unusedPort()}`,
      executorId: EXECUTOR_ID,
      token: 't',
    }).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(RendezvousError);
    expect((down as Error).message).toMatch(/unreachable: ECONNREFUSED/);
  });

  it('fails to connect with a clear error when no executor registered for the id', async () => {
    const target = {
      registryUrl: worker.url,
      executorId: 'nobody-home',
      token: await worker.mintToken('harness', 'nobody-home'),
      firstAnswerTimeoutMs: 1_000,
    };
    const error = await connect(target).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RendezvousError);
    expect((error as Error).message).toMatch(/\(503: executor nobody-home has not registered yet/);
    // A cleartext client cannot be told: nobody answers its initialize.
    const cleartext = await connect({ ...target, security: 'cleartext' }).catch((e: unknown) => e);
    expect(cleartext).toBeInstanceOf(HarnessConnectError);
    expect((cleartext as Error).message).toMatch(/executor nobody-home .* did not answer initialize/);
  });

  it('ends running processes with SessionExpiredError when the executor restarts', async () => {
    const client = await relayClient();
    const handle = await client.exec(['sleep', '30']);
    await executor?.stop();
    executor = await spawnRelayExecutor(worker, EXECUTOR_ID);
    await expect(handle.wait()).rejects.toBeInstanceOf(SessionExpiredError);
  });
});

describe('relaykit exec through the rendezvous', () => {
  const target = () => ['--registry', worker.url, '--executor-id', EXECUTOR_ID];

  it('streams each line to the right local stream and exits with the remote code', async () => {
    const token = await worker.mintToken('harness', EXECUTOR_ID);
    const result = await relaykit(['exec', ...target(), '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], {
      env: { ...process.env, RELAYKIT_HARNESS_TOKEN: token },
    });
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('prints one line for a rejected token, an unknown executor and an unreachable rendezvous', async () => {
    const rejected = await relaykit(['exec', ...target(), '--token', 'forged', '--', 'true']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/^relaykit: harness token rejected \(401[^\n]*\n$/);

    const token = await worker.mintToken('harness', 'nobody-home');
    const unknown = await relaykit([
      'exec',
      '--registry',
      worker.url,
      '--executor-id',
      'nobody-home',
      '--token',
      token,
      '--connect-timeout-ms',
      '1000',
      '--',
      'true',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^relaykit: .*executor nobody-home has not registered yet[^\n]*\n$/);

    const down = `http://127.0.0.1:${await unusedPort()}`;
    const unreachable = await relaykit([
      'exec',
      '--registry',
      down,
      '--executor-id',
      'x',
      '--token',
      't',
      '--',
      'true',
    ]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(
      /^relaykit: rendezvous http:\/\/127\.0\.0\.1:\d+ is unreachable: ECONNREFUSED\n$/,
    );
  });
});
