import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor, useScratchDir } from './fixture.ts';
import { type TestClient, until } from './rpc-client.ts';

const NODE = process.execPath;
/** What upstream's client sends for a plain start (every `None` as null). */
const upstreamStart = {
  envPolicy: null,
  env: {},
  tty: false,
  pipeStdin: false,
  arg0: null,
  sandbox: null,
  enforceManagedNetwork: false,
  managedNetwork: null,
  networkProxy: null,
};

async function run(client: TestClient, processId: string, params: Record<string, unknown>): Promise<string> {
  await client.request('process/start', { ...upstreamStart, processId, ...params });
  await client.waitForClosed(processId);
  return client.outputOf(processId).toString();
}

describe('process/start in upstream shape (local mode)', () => {
  const fx = useExecutor();
  const scratch = useScratchDir('relaykit-start-');

  it('gives the child exactly env when there is no envPolicy', async () => {
    const { client } = await fx.session();
    const out = await run(client, 'exact', {
      argv: [NODE, '-e', 'console.log(JSON.stringify(process.env))'],
      cwd: pathToFileURL(scratch.path).href,
      env: { ONLY: 'this' },
    });
    expect(JSON.parse(out)).toEqual({ ONLY: 'this' });
  });

  it('overlays env on the environment the policy builds from the executor', async () => {
    const { client } = await fx.session();
    const out = await run(client, 'policy', {
      argv: [NODE, '-e', 'console.log(JSON.stringify(process.env))'],
      cwd: pathToFileURL(scratch.path).href,
      envPolicy: {
        inherit: 'core',
        ignoreDefaultExcludes: false,
        exclude: [],
        set: { SET: 's' },
        includeOnly: [],
      },
      env: { EXTRA: 'e', SET: 'overlay' },
    });
    const env = JSON.parse(out) as Record<string, string>;
    expect(env).toMatchObject({ EXTRA: 'e', SET: 'overlay', PATH: process.env.PATH });
    expect(
      Object.keys(env).every((k) =>
        [
          'EXTRA',
          'SET',
          'PATH',
          'HOME',
          'SHELL',
          'TMPDIR',
          'TEMP',
          'TMP',
          'LANG',
          'LC_ALL',
          'LC_CTYPE',
          'LOGNAME',
          'USER',
        ].includes(k),
      ),
    ).toBe(true);
  });

  it('runs in a cwd given as a percent-encoded file URI and shows arg0 as argv[0]', async () => {
    const { client } = await fx.session();
    const spaced = join(scratch.path, 'a b ü');
    await mkdir(spaced);
    const out = await run(client, 'where', {
      argv: [NODE, '-e', 'console.log(process.cwd()); console.log(process.argv0)'],
      cwd: pathToFileURL(spaced).href,
      arg0: 'custom-name',
    });
    expect(out).toBe(`${spaced}\ncustom-name\n`);
  });

  it('refuses a sandbox or managed networking it cannot enforce, naming the field, and starts nothing', async () => {
    const { client } = await fx.session();
    const cwd = pathToFileURL(scratch.path).href;
    const sandboxed = await client.error('process/start', {
      ...upstreamStart,
      processId: 's',
      argv: ['/bin/true'],
      cwd,
      sandbox: { permissions: { type: 'managed' } },
    });
    expect(sandboxed).toEqual({
      code: RpcErrorCode.InvalidParams,
      message:
        "invalid params for process/start: sandbox: relaykit's executor cannot enforce a sandbox; refusing to run unsandboxed",
    });
    const network = await client.error('process/start', {
      ...upstreamStart,
      processId: 'n',
      argv: ['/bin/true'],
      cwd,
      enforceManagedNetwork: true,
    });
    expect(network.code).toBe(RpcErrorCode.InvalidParams);
    expect(network.message).toContain('enforceManagedNetwork');
    const ptyArg0 = await client.error('process/start', {
      ...upstreamStart,
      processId: 'a',
      argv: ['/bin/true'],
      cwd,
      tty: true,
      arg0: 'other',
    });
    expect(ptyArg0.code).toBe(RpcErrorCode.InvalidParams);
    expect(await client.error('process/read', { processId: 's' })).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'unknown process id s',
    });
  });

  it('interrupts with SIGINT, closes stdin by signal, and reads with null options', async () => {
    const { client } = await fx.session();
    const cwd = pathToFileURL(scratch.path).href;
    await client.request('process/start', {
      ...upstreamStart,
      processId: 'cat',
      argv: ['/bin/cat'],
      cwd,
      pipeStdin: true,
    });
    await client.request('process/write', {
      processId: 'cat',
      chunk: Buffer.from('hi\n').toString('base64'),
      writeId: 'w',
    });
    expect(await client.request('process/signal', { processId: 'cat', signal: 'closeStdin' })).toEqual({});
    await client.waitForClosed('cat');
    const read = await client.request('process/read', {
      processId: 'cat',
      afterSeq: null,
      maxBytes: null,
      waitMs: null,
    });
    expect(read).toMatchObject({
      nextSeq: 4,
      exited: true,
      exitCode: 0,
      closed: true,
      failure: null,
      sandboxDenied: false,
    });

    await client.request('process/start', {
      ...upstreamStart,
      processId: 'sleep',
      argv: ['/bin/sleep', '1000'],
      cwd,
    });
    expect(await client.request('process/signal', { processId: 'sleep', signal: 'interrupt' })).toEqual({});
    await client.waitForClosed('sleep');
    const exited = client.eventsOf('sleep').find((n) => n.method === 'process/exited');
    expect(exited?.params).toEqual({
      processId: 'sleep',
      seq: 1,
      exitCode: 130,
      signal: 'SIGINT',
      sandboxDenied: false,
    });
  });

  it('answers signal and terminate of an unknown or finished process as upstream does, without an error', async () => {
    const { client } = await fx.session();
    expect(await client.request('process/signal', { processId: 'nope', signal: 'interrupt' })).toEqual({});
    expect(await client.request('process/terminate', { processId: 'nope' })).toEqual({ running: false });
    await run(client, 'done', { argv: ['/bin/true'], cwd: pathToFileURL(scratch.path).href });
    expect(await client.request('process/signal', { processId: 'done', signal: 'interrupt' })).toEqual({});
  });

  it('refuses a second start of a live process id with upstream text', async () => {
    const { client } = await fx.session();
    const start = { ...upstreamStart, processId: 'dup', argv: ['/bin/sleep', '1000'] };
    await client.request('process/start', start);
    expect(await client.error('process/start', start)).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'process dup already exists',
    });
  });

  it('answers a long-poll read at once when the exit is news, while a descendant keeps the output open', async () => {
    const { client } = await fx.session();
    await client.request('process/start', {
      ...upstreamStart,
      processId: 'parent',
      argv: ['/bin/sh', '-c', 'sleep 1000 & echo started; exit 3'],
    });
    await until(() => client.eventsOf('parent').find((n) => n.method === 'process/exited'), 'the exit');
    const read = await client.request('process/read', {
      processId: 'parent',
      afterSeq: 1,
      maxBytes: null,
      waitMs: 300_000,
    });
    expect(read).toMatchObject({ chunks: [], exited: true, exitCode: 3, closed: false });
  });
});
