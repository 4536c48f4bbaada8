import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RelayEndpoint } from '../../endpoint/index.ts';
import { connectRelay, FatalConnectError } from '../../endpoint/index.ts';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import { silentLogger } from '../../executor/logger.ts';
import { type RemoteExecutor, startRemoteExecutor } from '../../executor/remote-executor.ts';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { streamTransport } from '../../rpc/index.ts';
import { FakeRendezvous } from './fake-rendezvous.ts';
import { TestClient, until } from './rpc-client.ts';

const EXECUTOR_ID = 'exec-mux-test';
const TOKEN = 'registry-token';
const FAST_BACKOFF = { initialMs: 20, maxMs: 200 };

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(): Promise<{
  rendezvous: FakeRendezvous;
  executor: RemoteExecutor;
  harness: RelayEndpoint;
}> {
  const rendezvous = await FakeRendezvous.start(EXECUTOR_ID, TOKEN);
  cleanups.push(() => rendezvous.close());
  const executor = await startRemoteExecutor({
    registryUrl: rendezvous.registryUrl,
    executorId: EXECUTOR_ID,
    token: TOKEN,
    logger: silentLogger(),
    security: { profile: 'cleartext' },
    sessionTtlMs: 5_000,
    relay: { backoff: FAST_BACKOFF },
  });
  cleanups.push(() => executor.close());
  const harness = connectRelay({
    resolveUrl: async () => rendezvous.harnessUrl,
    role: 'harness',
    backoff: FAST_BACKOFF,
  });
  cleanups.push(() => harness.close());
  await until(
    () => (executor.endpoint.connectionState === 'open' ? true : undefined),
    'executor socket open',
  );
  await until(() => (harness.connectionState === 'open' ? true : undefined), 'harness socket open');
  return { rendezvous, executor, harness };
}

function client(harness: RelayEndpoint): TestClient {
  const c = new TestClient(streamTransport(harness.openStream()));
  cleanups.push(() => c.close());
  return c;
}

describe('remote executor over a relay', () => {
  it('registers with the bearer token and its process instance id', async () => {
    const { rendezvous } = await setup();
    expect(rendezvous.registerCalls).toHaveLength(1);
    expect(rendezvous.registerCalls[0]?.authorization).toBe(`Bearer ${TOKEN}`);
    expect(JSON.parse(rendezvous.registerCalls[0]?.body ?? '{}').instance).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('routes two streams on one executor socket to independent sessions, and a reset of one leaves the other answering', async () => {
    const { rendezvous, harness } = await setup();
    const a = client(harness);
    const b = client(harness);
    const [sessionA, sessionB] = await Promise.all([a.initialize(), b.initialize()]);
    expect(sessionA).not.toBe(sessionB);
    expect(await a.error('a/unknown')).toEqual({
      code: RpcErrorCode.MethodNotFound,
      message: 'exec-server stub does not implement `a/unknown` yet',
    });
    expect(await b.error('b/unknown')).toEqual({
      code: RpcErrorCode.MethodNotFound,
      message: 'exec-server stub does not implement `b/unknown` yet',
    });
    expect(rendezvous.executorSockets).toBe(1);
    expect(rendezvous.executorStreamIds.size).toBe(2);
    // Neither stream saw the other's traffic.
    expect(a.received.every((m) => JSON.stringify(m).includes('b/unknown') === false)).toBe(true);

    a.transport.close('closed');
    await expect(b.request('environment/info')).resolves.toMatchObject({ platform: process.platform });
    await b.request('process/start', { processId: 'p', argv: ['/bin/echo', 'still here'], tty: false });
    expect(await b.waitForOutput('p', 'still here')).toBe('still here\n');
    // Stream A's session was detached, not destroyed: a new stream can resume it.
    const again = client(harness);
    expect(await again.initialize(sessionA)).toBe(sessionA);
  });

  it('round-trips a file of max-inline-bytes through fs/writeFile and fs/readFile', async () => {
    const { harness } = await setup();
    const c = client(harness);
    await c.initialize();
    const dir = await mkdtemp(join(tmpdir(), 'relaykit-remote-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const data = randomBytes(DEFAULT_LIMITS.maxInlineBytes);
    const path = join(dir, 'largest.bin');
    await c.request('fs/writeFile', { path, dataBase64: data.toString('base64') });
    const back = await c.request<{ dataBase64: string }>('fs/readFile', { path });
    expect(Buffer.from(back.dataBase64, 'base64').equals(data)).toBe(true);
  });

  it('completes a large output byte-identical across a drop of the executor socket', async () => {
    const { rendezvous, harness } = await setup();
    const c = client(harness);
    await c.initialize();
    const size = 4 * 1024 * 1024;
    // Deterministic bytes the test can recompute: a counter pattern.
    const script = `const n=${size};const b=Buffer.alloc(n);for(let i=0;i<n;i++)b[i]=(i*7+i>>9)&255;let o=0;(function w(){while(o<n){const c=b.subarray(o,o+65536);o+=c.length;if(!process.stdout.write(c))return process.stdout.once('drain',w)}})()`;
    await c.request('process/start', {
      processId: 'big',
      argv: [process.execPath, '-e', script],
      tty: false,
    });
    await until(() => (c.outputOf('big').length > 256 * 1024 ? true : undefined), 'some output');
    expect(c.outputOf('big').length).toBeLessThan(size);
    rendezvous.dropExecutorSocket();
    await c.waitForClosed('big', 60_000);
    expect(rendezvous.executorSockets).toBeGreaterThanOrEqual(2);
    expect(rendezvous.registerCalls.length).toBeGreaterThanOrEqual(2);
    const expected = Buffer.alloc(size);
    for (let i = 0; i < size; i++) expected[i] = ((i * 7 + i) >> 9) & 255;
    const got = c.outputOf('big');
    expect(got.length).toBe(size);
    expect(createHash('sha256').update(got).digest('hex')).toBe(
      createHash('sha256').update(expected).digest('hex'),
    );
    const seqs = c.eventsOf('big').map((n) => n.params.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('fails start-up with a clear FatalConnectError when the token is rejected', async () => {
    const rendezvous = await FakeRendezvous.start(EXECUTOR_ID, TOKEN);
    cleanups.push(() => rendezvous.close());
    const start = startRemoteExecutor({
      registryUrl: rendezvous.registryUrl,
      executorId: EXECUTOR_ID,
      token: 'wrong',
      logger: silentLogger(),
    });
    await expect(start).rejects.toThrow(FatalConnectError);
    await expect(start).rejects.toThrow(/executor token rejected \(401: bad token\)/);
  });

  it('exits the CLI with one clear line for a rejected token and for an unreachable registry', async () => {
    const rendezvous = await FakeRendezvous.start(EXECUTOR_ID, TOKEN);
    cleanups.push(() => rendezvous.close());
    const closedPort = await freePort();
    const cases: [string[], RegExp][] = [
      [
        ['--registry', rendezvous.registryUrl, '--executor-id', EXECUTOR_ID, '--token', 'wrong'],
        /executor token rejected/,
      ],
      [
        ['--registry', `http://127.0.0.1:${closedPort}`, '--executor-id', EXECUTOR_ID, '--token', 't'],
        /unreachable: ECONNREFUSED/,
      ],
    ];
    for (const [args, pattern] of cases) {
      const child = spawn(process.execPath, [
        'bin/relaykit.js',
        'executor',
        '--log-level',
        'silent',
        ...args,
      ]);
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(pattern);
      expect(stderr).not.toContain('wrong');
    }
  });
});

/** A loopback port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
