import { afterEach, describe, expect, it } from 'vitest';
import { type MetricsServer, parseMetricsListen, startMetricsServer } from '../../executor/index.ts';
import { runCli } from '../harness/executor-process.ts';
import { useExecutor } from './fixture.ts';

const executors = useExecutor();
let server: MetricsServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('the metrics address', () => {
  it('takes a loopback host and a port, 0 for any free one', () => {
    expect(parseMetricsListen('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 });
    expect(parseMetricsListen('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseMetricsListen('localhost:9100')).toEqual({ host: 'localhost', port: 9100 });
  });

  it('refuses any other host, and anything that is not HOST:PORT', () => {
    for (const address of ['0.0.0.0:9100', '10.1.2.3:9100', '[::]:9100', 'metrics.example:9100']) {
      expect(() => parseMetricsListen(address), address).toThrow(/takes a loopback address/);
    }
    for (const address of ['127.0.0.1', 'http://127.0.0.1:9100', '127.0.0.1:70000']) {
      expect(() => parseMetricsListen(address), address).toThrow(/must look like 127\.0\.0\.1:PORT/);
    }
  });

  it('is checked by relaykit executor before it starts', async () => {
    const { code, stderr } = await runCli([
      'executor',
      '--listen',
      'ws://127.0.0.1:0',
      '--metrics-listen',
      '0.0.0.0:9100',
    ]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^relaykit: --metrics-listen takes a loopback address .* got 0\.0\.0\.0/);
    expect(stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('the metrics listener', () => {
  it("serves a local-mode executor's sessions and processes at /metrics and nothing else", async () => {
    const { executor, client } = await executors.session();
    server = await startMetricsServer({ host: '127.0.0.1', port: 0 }, { sessions: executor.sessions });
    await client.request('process/start', { processId: 'p', argv: ['sleep', '30'], tty: false });
    const response = await fetch(server.url);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('relaykit_sessions{state="attached"} 1');
    expect(text).toContain('relaykit_processes_running 1');
    expect(text).toContain('relaykit_sessions_created_total 1');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).not.toContain('relaykit_relay_');
    expect((await fetch(new URL('/other', server.url))).status).toBe(404);
    expect((await fetch(server.url, { method: 'POST' })).status).toBe(405);
  });
});
