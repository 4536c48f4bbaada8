/**
 * The harness library and CLI in legacy mode (`relay: { legacy: true }`,
 * `--legacy-relay`): upstream's legacy generation through the real
 * rendezvous (worker under Miniflare) to a real executor process, side by
 * side with reliable streams on the same executor socket. A cleartext
 * executor serves them as the legacy cleartext relay, a secure one as
 * upstream main's secure relay (records from seq 0).
 */
import { rm, writeFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type HarnessClient } from '../../harness/index.ts';
import { SECURE_PROFILE, SECURITY_PROFILES } from '../../proto/secure-relay.ts';
import { type ExecutorProcess, spawnExecutor } from '../../sim/executor-process.ts';
import { startWorker, type WorkerUnderTest } from '../../sim/worker-runner.ts';
import { runCli as relaykit } from './executor-process.ts';
import { collectAll, numberedLines, until } from './helpers.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

const EXECUTOR_ID = 'harness-legacy-1';
const { loop: LOOP, bytes: BLOCK } = numberedLines(5_000);
const fastReconnect = { initialDelayMs: 20, maxDelayMs: 200, giveUpAfterMs: 30_000 };

describe.each(SECURITY_PROFILES)('an executor in the %s profile', (securityProfile) => {
  let worker: WorkerUnderTest;
  let executor: ExecutorProcess;
  /** Sits between the harnesses and the worker, so a test can cut their sockets. */
  let proxy: TcpProxy;
  const clients: HarnessClient[] = [];
  const secure = securityProfile === SECURE_PROFILE;
  /** The kinds the executor opens for a legacy and for a reliable harness. */
  const kinds = secure
    ? { legacy: 'secure', reliable: 'secure' }
    : { legacy: 'legacy', reliable: 'reliable' };

  beforeAll(async () => {
    worker = await startWorker();
    executor = await spawnExecutor({
      registryUrl: worker.url,
      executorId: EXECUTOR_ID,
      token: await worker.mintToken('executor', EXECUTOR_ID),
      logLevel: 'info',
      args: ['--security-profile', securityProfile],
    });
    proxy = await startTcpProxy(Number(new URL(worker.url).port));
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  afterAll(async () => {
    await executor?.stop();
    await proxy?.close();
    await worker?.dispose();
  });

  async function relayClient(legacy: boolean): Promise<HarnessClient> {
    const client = await connect({
      registryUrl: `http://127.0.0.1:${proxy.port}`,
      executorId: EXECUTOR_ID,
      token: await worker.mintToken('harness', EXECUTOR_ID),
      security: secure ? 'secure' : 'cleartext',
      relay: { legacy, backoff: { initialMs: 20, maxMs: 200 } },
      reconnect: fastReconnect,
    });
    clients.push(client);
    return client;
  }

  /** The kind the executor logged when it opened `streamId`. */
  function kindOpened(streamId: string | undefined): string | undefined {
    for (const line of executor.logTail().split('\n')) {
      if (!line.includes('stream opened') || !line.includes(`"${streamId}"`)) continue;
      return (JSON.parse(line) as { kind?: string }).kind;
    }
    return undefined;
  }

  describe('the harness library over legacy streams', () => {
    it('runs commands with exit codes, stdin and files on a stream the executor serves as legacy', async () => {
      const client = await relayClient(true);
      const result = await client.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
      expect(result).toMatchObject({ exitCode: 3, signal: null });
      expect([result.stdout.toString(), result.stderr.toString()]).toEqual(['out\n', 'err\n']);
      const echoed = await client.run(['tr', 'a-z', 'A-Z'], { stdin: 'through the legacy relay\n' });
      expect(echoed.stdout.toString()).toBe('THROUGH THE LEGACY RELAY\n');
      const path = `/tmp/relaykit-legacy-${process.pid}.txt`;
      await client.writeFile(path, 'legacy');
      expect((await client.readFile(path)).toString()).toBe('legacy');
      await client.remove(path);
      await until(() => kindOpened(client.streamId) !== undefined, 'the executor to log the stream');
      expect(kindOpened(client.streamId)).toBe(kinds.legacy);
    });

    it('reads a file larger than one legacy frame, byte-identical', async () => {
      const client = await relayClient(true);
      const path = `/tmp/relaykit-legacy-large-${process.pid}.bin`;
      const data = Buffer.from(Array.from({ length: 3 << 20 }, (_, i) => (i * 31) & 0xff));
      await writeFile(path, data);
      try {
        expect((await client.readFile(path)).equals(data)).toBe(true);
      } finally {
        await rm(path, { force: true });
      }
    });

    it('shares one executor socket between a legacy stream and a reliable stream running at the same time', async () => {
      const [legacy, reliable] = await Promise.all([relayClient(true), relayClient(false)]);
      const [a, b] = await Promise.all([legacy.exec(['sh', '-c', LOOP]), reliable.exec(['sh', '-c', LOOP])]);
      const [outA, outB] = await Promise.all([collectAll(a), collectAll(b)]);
      expect(outA.equals(BLOCK)).toBe(true);
      expect(outB.equals(BLOCK)).toBe(true);
      expect([kindOpened(legacy.streamId), kindOpened(reliable.streamId)]).toEqual([
        kinds.legacy,
        kinds.reliable,
      ]);
      const stats = await worker.stats(EXECUTOR_ID);
      expect(stats.sockets.executor).toBe(1);
    });

    it('resumes its session on a new stream when its socket is cut, with the output byte-identical', async () => {
      const client = await relayClient(true);
      const handle = await client.exec(['sh', '-c', `${LOOP}; read go; ${LOOP}; exit 7`], {
        pipeStdin: true,
      });
      let received = 0;
      const output = collectAll(handle, (total) => {
        received = total;
      });
      const firstStream = client.streamId;
      await until(() => received > 0, 'first output');
      proxy.dropAll();
      await until(() => client.resumeCount === 1, 'the session to resume on a new stream');
      await handle.write('go\n');
      expect((await output).equals(Buffer.concat([BLOCK, BLOCK]))).toBe(true);
      expect(await handle.wait()).toEqual({ exitCode: 7, signal: null });
      expect(client.streamId).not.toBe(firstStream);
      expect(kindOpened(client.streamId)).toBe(kinds.legacy);
    });
  });

  describe('relaykit exec --legacy-relay', () => {
    it('streams the output and exits with the remote code', async () => {
      const token = await worker.mintToken('harness', EXECUTOR_ID);
      const result = await relaykit(
        [
          'exec',
          '--registry',
          worker.url,
          '--executor-id',
          EXECUTOR_ID,
          '--legacy-relay',
          '--security-profile',
          securityProfile,
          '--',
          'sh',
          '-c',
          'echo out; echo err >&2; exit 3',
        ],
        { env: { ...process.env, RELAYKIT_HARNESS_TOKEN: token } },
      );
      expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    });

    it('refuses --legacy-relay with --url as a usage error', async () => {
      const result = await relaykit(['exec', '--url', 'ws://127.0.0.1:1', '--legacy-relay', '--', 'true']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--legacy-relay goes with --registry/);
    });
  });
});
