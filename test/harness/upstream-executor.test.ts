import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connect, type HarnessClient, RpcError } from '../../harness/index.ts';
import { FakeUpstreamExecutor } from './fake-upstream-executor.ts';

let executor: FakeUpstreamExecutor;
let client: HarnessClient;

beforeAll(async () => {
  executor = await FakeUpstreamExecutor.start();
  client = await connect({ url: executor.url });
});

afterAll(async () => {
  await client?.close();
  await executor?.close();
});

afterEach(() => {
  // Every request the harness sent fitted upstream's param structs.
  expect(executor.refused).toEqual([]);
});

const sent = (method: string) => executor.requests.filter((r) => r.method === method);

describe('the harness library against an executor that speaks only upstream shapes', () => {
  it('initializes as upstream does', () => {
    expect(sent('initialize')).toEqual([
      { method: 'initialize', params: { clientName: 'relaykit-harness', resumeSessionId: null } },
    ]);
  });

  it('runs a command in the executor cwd with the executor environment', async () => {
    const result = await client.run(['echo', 'hi', 'there']);
    expect(result).toMatchObject({ exitCode: 0, signal: null });
    expect(result.stdout.toString()).toBe('hi there\n');
    expect(sent('process/start').at(-1)?.params).toMatchObject({
      argv: ['echo', 'hi', 'there'],
      cwd: FakeUpstreamExecutor.CWD,
      envPolicy: { inherit: 'all', ignoreDefaultExcludes: true, exclude: [], set: {}, includeOnly: [] },
      env: {},
      tty: false,
      pipeStdin: false,
      arg0: null,
      sandbox: null,
      enforceManagedNetwork: false,
    });
  });

  it('writes stdin, closes it by signal and interrupts, reporting integer exit codes', async () => {
    const cat = await client.exec(['cat'], { pipeStdin: true, cwd: '/srv/a b', env: { K: 'v' } });
    await cat.write('ping\n');
    await cat.closeStdin();
    expect(await cat.wait()).toEqual({ exitCode: 0, signal: null });
    expect(sent('process/start').at(-1)?.params).toMatchObject({ cwd: 'file:///srv/a%20b', env: { K: 'v' } });
    const sleeper = await client.exec(['sleep', '30']);
    await sleeper.signal('interrupt');
    expect(await sleeper.wait()).toEqual({ exitCode: 130, signal: null });
    expect(sent('process/signal').map((r) => r.params.signal)).toEqual(['closeStdin', 'interrupt']);
  });

  it('sends file paths as URIs, reads files whole and in blocks, canonicalizes and walks', async () => {
    await client.writeFile('/data/hé llo.txt', 'hello from the harness');
    expect(sent('fs/writeFile').at(-1)?.params.path).toBe('file:///data/h%C3%A9%20llo.txt');
    expect((await client.readFile('/data/hé llo.txt')).toString()).toBe('hello from the harness');
    expect(await client.getMetadata('/data/hé llo.txt')).toMatchObject({ isFile: true, size: 22 });
    const blocks: string[] = [];
    for await (const block of client.readFileBlocks('/data/hé llo.txt', { blockBytes: 8 }))
      blocks.push(block.toString());
    expect(blocks).toEqual(['hello fr', 'om the h', 'arness']);
    expect(sent('fs/close')).toHaveLength(1);
    expect(await client.canonicalize('/data/x')).toBe('/data/x-resolved');
    const walkOptions = { maxDepth: 2, maxDirectories: 10, maxEntries: 100, followDirectorySymlinks: false };
    expect(await client.walk('/data', walkOptions)).toEqual({
      entries: [{ path: '/data/child', kind: 'file' }],
      errors: [],
      truncated: false,
    });
    await client.createDirectory('/data/d');
    await client.remove('/data/d');
    await client.copy('/data/a', '/data/b');
    expect(await client.readDirectory('/data')).toEqual([
      { fileName: 'a', isDirectory: false, isFile: true },
    ]);
    expect(sent('fs/createDirectory').at(-1)?.params).toEqual({
      path: 'file:///data/d',
      recursive: null,
      sandbox: null,
    });
    expect(sent('fs/copy').at(-1)?.params).toMatchObject({ recursive: false });
  });

  it('makes buffered and streamed HTTP requests', async () => {
    const buffered = await client.httpRequest({ url: 'http://service.test/a' });
    expect(buffered.status).toBe(200);
    expect(buffered.body.toString()).toBe('fake body for GET http://service.test/a');
    const streamed = await client.httpRequest({
      method: 'POST',
      url: 'http://service.test/b',
      body: 'x',
      stream: true,
    });
    const parts: string[] = [];
    for await (const part of streamed.body) parts.push(Buffer.from(part).toString());
    expect(parts).toEqual(['fake ', 'body for POST http://service.test/b']);
    expect(sent('http/request').at(-1)?.params).toMatchObject({ bodyBase64: 'eA==', streamResponse: true });
  });

  it("surfaces relaykit's own extensions as the executor's refusal", async () => {
    const tty = await client.exec(['sleep', '30'], { tty: true });
    const error = await tty.resize(100, 30).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(-32601);
    await tty.signal('interrupt');
    await tty.wait();
  });
});
