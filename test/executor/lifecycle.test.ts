import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor } from './fixture.ts';
import { until } from './rpc-client.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('executor session lifecycle (local mode)', () => {
  const fx = useExecutor();

  it('answers initialize with a session id and serves methods after initialized', async () => {
    const executor = await fx.start();
    const client = await fx.connect(executor.url);
    const sessionId = await client.initialize();
    expect(sessionId).toMatch(UUID);
    const info = await client.request<{ platform: string; cwd: string; shell: { path: string } }>(
      'environment/info',
    );
    expect(info.platform).toBe(process.platform);
    expect(info.cwd).toBe(pathToFileURL(process.cwd()).href);
    expect(info.shell.path.length).toBeGreaterThan(0);
  });

  it('refuses methods before initialize and before initialized with -32600', async () => {
    const executor = await fx.start();
    const client = await fx.connect(executor.url);
    const early = await client.error('environment/info');
    expect(early.code).toBe(RpcErrorCode.InvalidRequest);
    expect(early.message).toBe('client must call initialize before using environment info methods');
    await client.request('initialize', { clientName: 'test' });
    const beforeInitialized = await client.error('environment/info');
    expect(beforeInitialized.code).toBe(RpcErrorCode.InvalidRequest);
    expect(beforeInitialized.message).toBe(
      'client must send initialized before using environment info methods',
    );
    client.notify('initialized');
    await expect(client.request('environment/info')).resolves.toBeTruthy();
  });

  it('refuses a second initialize with -32600', async () => {
    const { client } = await fx.session();
    const second = await client.error('initialize', { clientName: 'again' });
    expect(second.code).toBe(RpcErrorCode.InvalidRequest);
  });

  it('names the unknown method in -32601 and the bad field in -32602', async () => {
    const { client } = await fx.session();
    const unknown = await client.error('process/teleport', {});
    expect(unknown).toEqual({
      code: RpcErrorCode.MethodNotFound,
      message: 'exec-server stub does not implement `process/teleport` yet',
    });
    const bad = await client.error('process/start', { processId: 'p', argv: [], tty: false });
    expect(bad.code).toBe(RpcErrorCode.InvalidParams);
    expect(bad.message).toContain('argv');
    const badType = await client.error('process/read', { processId: 'p', afterSeq: 'x' });
    expect(badType.code).toBe(RpcErrorCode.InvalidParams);
    expect(badType.message).toContain('afterSeq');
  });

  it('answers malformed input with id -1 and keeps serving', async () => {
    const { client } = await fx.session();
    client.transport.send({ id: {}, method: 7 });
    (client.transport as unknown as { send(m: object): void }).send({ hello: 1 });
    const errors = await until(() => {
      const e = client.received.filter((m) => m.id === -1);
      return e.length >= 2 ? e : undefined;
    }, 'two id -1 errors');
    for (const e of errors) expect((e.error as { code: number }).code).toBe(RpcErrorCode.InvalidRequest);
    await expect(client.request('environment/info')).resolves.toBeTruthy();
  });

  it('refuses to resume an unknown session with -32600 and one attached elsewhere with -32010', async () => {
    const { executor, sessionId } = await fx.session();
    const other = await fx.connect(executor.url);
    const unknownId = '00000000-0000-4000-8000-000000000000';
    const unknown = await other.error('initialize', { clientName: 't', resumeSessionId: unknownId });
    expect(unknown).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: `unknown session id ${unknownId}`,
    });
    const third = await fx.connect(executor.url);
    const attached = await third.error('initialize', { clientName: 't', resumeSessionId: sessionId });
    expect(attached.code).toBe(RpcErrorCode.SessionAttachedElsewhere);
  });

  it('gives each connection its own session', async () => {
    const executor = await fx.start();
    const a = await fx.connect(executor.url);
    const b = await fx.connect(executor.url);
    const [ida, idb] = await Promise.all([a.initialize(), b.initialize()]);
    expect(ida).not.toBe(idb);
    expect(executor.sessions.size).toBe(2);
  });
});

describe('relaykit executor command', () => {
  function run(args: string[]) {
    return spawn(process.execPath, ['bin/relaykit.js', 'executor', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  it('prints the URL it listens on for port 0 and stops cleanly on SIGTERM', async () => {
    const child = run(['--listen', 'ws://127.0.0.1:0', '--log-level', 'warn']);
    let stdout = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const line = await until(
        () => stdout.match(/relaykit executor listening on (ws:\/\/127\.0\.0\.1:\d+)\n/) ?? undefined,
        'URL',
      );
      const url = line[1] as string;
      const { TestClient } = await import('./rpc-client.ts');
      const client = await TestClient.connect(url);
      expect(await client.initialize()).toMatch(UUID);
      client.close();
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });

  it('fails with one clear line and a non-zero exit on bad flags', async () => {
    const relay = ['--registry', 'http://127.0.0.1:9', '--executor-id', 'x', '--token', 't'];
    for (const args of [
      ['--listen', 'http://x'],
      [],
      ['--registry', 'http://127.0.0.1:1'],
      [...relay, '--rto', 'fixed-500ms', '--rto-max-ms', '100'],
      [...relay, '--rto', 'sometimes'],
    ]) {
      const child = run(args);
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect(code, args.join(' ')).not.toBe(0);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(/^relaykit( executor)?: /);
    }
  });
});
