import { randomBytes } from 'node:crypto';
import { mkdir, readdir, realpath, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor, useScratchDir } from './fixture.ts';
import { type TestClient, until } from './rpc-client.ts';

const uri = (path: string) => pathToFileURL(path).href;

describe('fs methods in upstream shape (local mode)', () => {
  const fx = useExecutor();
  const scratch = useScratchDir('relaykit-upfs-');

  it('canonicalizes through links and answers a file URI', async () => {
    const { client } = await fx.session();
    await mkdir(join(scratch.path, 'real dir'));
    await symlink(join(scratch.path, 'real dir'), join(scratch.path, 'link'));
    const answer = await client.request('fs/canonicalize', {
      path: uri(join(scratch.path, 'link')),
      sandbox: null,
    });
    expect(answer).toEqual({ path: uri(await realpath(join(scratch.path, 'real dir'))) });
    const missing = await client.error('fs/canonicalize', {
      path: uri(join(scratch.path, 'nope')),
      sandbox: null,
    });
    expect(missing.code).toBe(RpcErrorCode.NotFound);
  });

  it('applies upstream defaults: createDirectory and remove recurse, remove forces', async () => {
    const { client } = await fx.session();
    const deep = join(scratch.path, 'a/b/c');
    await client.request('fs/createDirectory', { path: uri(deep), recursive: null, sandbox: null });
    expect((await stat(deep)).isDirectory()).toBe(true);
    await client.request('fs/remove', {
      path: uri(join(scratch.path, 'a')),
      recursive: null,
      force: null,
      sandbox: null,
    });
    expect(await readdir(scratch.path)).toEqual([]);
    await client.request('fs/remove', {
      path: uri(join(scratch.path, 'a')),
      recursive: null,
      force: null,
      sandbox: null,
    });
    await mkdir(join(scratch.path, 'full/sub'), { recursive: true });
    const notEmpty = await client.error('fs/remove', {
      path: uri(join(scratch.path, 'full')),
      recursive: false,
      force: null,
    });
    expect(notEmpty.code).toBe(RpcErrorCode.InternalError);
  });

  it('refuses a directory copy without recursive and a copy into itself, with upstream texts', async () => {
    const { client } = await fx.session();
    await mkdir(join(scratch.path, 'src'));
    const copy = (destination: string, recursive: boolean) =>
      client.error('fs/copy', {
        sourcePath: uri(join(scratch.path, 'src')),
        destinationPath: uri(destination),
        recursive,
        sandbox: null,
      });
    expect(await copy(join(scratch.path, 'dst'), false)).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'fs/copy requires recursive: true when sourcePath is a directory',
    });
    expect(await copy(join(scratch.path, 'src/inner'), true)).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'fs/copy cannot copy a directory to itself or one of its descendants',
    });
    const missingRecursive = await client.error('fs/copy', {
      sourcePath: uri(scratch.path),
      destinationPath: uri(scratch.path),
    });
    expect(missingRecursive.code).toBe(RpcErrorCode.InvalidParams);
  });

  it('refuses bad base64 in writeFile with -32600, as upstream', async () => {
    const { client } = await fx.session();
    const bad = await client.error('fs/writeFile', {
      path: uri(join(scratch.path, 'x')),
      dataBase64: '***',
      sandbox: null,
    });
    expect(bad.code).toBe(RpcErrorCode.InvalidRequest);
    expect(bad.message).toMatch(/^fs\/writeFile requires valid base64 dataBase64/);
  });
});

async function readAll(client: TestClient, handleId: string, len: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let offset = 0; ; ) {
    const { chunk, eof } = await client.request<{ chunk: string; eof: boolean }>('fs/readBlock', {
      handleId,
      offset,
      len,
    });
    parts.push(Buffer.from(chunk, 'base64'));
    offset += Buffer.from(chunk, 'base64').length;
    if (eof) return Buffer.concat(parts);
  }
}

describe('file read handles (local mode)', () => {
  const fx = useExecutor();
  const scratch = useScratchDir('relaykit-handles-');

  it('reads a file in positioned blocks up to eof, and past eof reads nothing', async () => {
    const { client } = await fx.session();
    const data = randomBytes(3 * 1024 * 1024 + 17);
    await writeFile(join(scratch.path, 'big.bin'), data);
    expect(
      await client.request('fs/open', {
        handleId: 'h1',
        path: uri(join(scratch.path, 'big.bin')),
        sandbox: null,
      }),
    ).toEqual({
      handleId: 'h1',
    });
    expect((await readAll(client, 'h1', 1024 * 1024)).equals(data)).toBe(true);
    const middle = await client.request<{ chunk: string; eof: boolean }>('fs/readBlock', {
      handleId: 'h1',
      offset: 100,
      len: 10,
    });
    expect(Buffer.from(middle.chunk, 'base64').equals(data.subarray(100, 110))).toBe(true);
    expect(middle.eof).toBe(false);
    expect(
      await client.request('fs/readBlock', { handleId: 'h1', offset: data.length + 5, len: 10 }),
    ).toEqual({
      chunk: '',
      eof: true,
    });
    expect(await client.request('fs/close', { handleId: 'h1' })).toEqual({});
    expect(await client.request('fs/close', { handleId: 'h1' })).toEqual({});
  });

  it('answers unknown handles with -32004 and bad ids and lengths with -32600, in upstream texts', async () => {
    const { client } = await fx.session();
    await writeFile(join(scratch.path, 'f'), 'x');
    const path = uri(join(scratch.path, 'f'));
    expect(await client.error('fs/readBlock', { handleId: 'nope', offset: 0, len: 1 })).toEqual({
      code: RpcErrorCode.NotFound,
      message: 'unknown file read handle `nope`',
    });
    expect(await client.error('fs/open', { handleId: 'x'.repeat(33), path, sandbox: null })).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'file read handle ID must not exceed 32 bytes',
    });
    await client.request('fs/open', { handleId: 'h', path, sandbox: null });
    expect(await client.error('fs/open', { handleId: 'h', path, sandbox: null })).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'file read handle `h` already exists',
    });
    for (const len of [0, 1024 * 1024 + 1]) {
      expect(await client.error('fs/readBlock', { handleId: 'h', offset: 0, len })).toEqual({
        code: RpcErrorCode.InvalidRequest,
        message: 'file read block length must be between 1 and 1048576',
      });
    }
    const missing = await client.error('fs/open', {
      handleId: 'm',
      path: uri(join(scratch.path, 'missing')),
      sandbox: null,
    });
    expect(missing.code).toBe(RpcErrorCode.NotFound);
  });

  it('keeps at most 128 handles open per session and frees them when the session ends', async () => {
    const { executor, client } = await fx.session({ sessionTtlMs: 50 });
    await writeFile(join(scratch.path, 'f'), 'x');
    const path = uri(join(scratch.path, 'f'));
    for (let i = 0; i < 128; i++) await client.request('fs/open', { handleId: `h${i}`, path, sandbox: null });
    expect(await client.error('fs/open', { handleId: 'one-more', path, sandbox: null })).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'at most 128 file reads may be open per session',
    });
    await client.request('fs/close', { handleId: 'h0' });
    await client.request('fs/open', { handleId: 'one-more', path, sandbox: null });
    const fdsBefore = (await readdir('/proc/self/fd')).length;
    client.close();
    await until(() => (executor.sessions.size === 0 ? true : undefined), 'the session to expire');
    expect(await untilFewerFds(fdsBefore - 100)).toBeLessThan(fdsBefore - 100);
  });
});

/** The executor runs in this process: its open files are ours. */
async function untilFewerFds(limit: number): Promise<number> {
  for (let attempt = 0; attempt < 500; attempt++) {
    const count = (await readdir('/proc/self/fd')).length;
    if (count < limit) return count;
    await new Promise((r) => setTimeout(r, 10));
  }
  return (await readdir('/proc/self/fd')).length;
}

describe('fs/walk (local mode)', () => {
  const fx = useExecutor();
  const scratch = useScratchDir('relaykit-walk-');
  beforeEach(async () => {
    await mkdir(join(scratch.path, 'sub/deep'), { recursive: true });
    await writeFile(join(scratch.path, 'a.txt'), 'a');
    await writeFile(join(scratch.path, 'sub/b.txt'), 'b');
    await writeFile(join(scratch.path, 'sub/deep/c.txt'), 'c');
    await symlink(join(scratch.path, 'sub'), join(scratch.path, 'link-to-sub'));
    await symlink(join(scratch.path, 'a.txt'), join(scratch.path, 'link-file'));
    await symlink(join(scratch.path, 'nowhere'), join(scratch.path, 'dangling'));
  });

  const limits = { maxDepth: 64, maxDirectories: 100, maxEntries: 100, followDirectorySymlinks: false };
  const listed = (answer: { entries: { path: string; kind: string }[] }) =>
    answer.entries.map((e) => `${e.kind} ${e.path.slice(uri(scratch.path).length + 1)}`);

  it('lists breadth first, sorted, skipping links unless they lead to directories and may be followed', async () => {
    const { client } = await fx.session();
    const walk = (options: typeof limits) =>
      client.request<{ entries: { path: string; kind: string }[]; errors: unknown[]; truncated: boolean }>(
        'fs/walk',
        { path: uri(scratch.path), options, sandbox: null },
      );
    const plain = await walk(limits);
    expect(listed(plain)).toEqual([
      'file a.txt',
      'directory sub',
      'file sub/b.txt',
      'directory sub/deep',
      'file sub/deep/c.txt',
    ]);
    expect(plain).toMatchObject({ errors: [], truncated: false });
    const followed = await walk({ ...limits, followDirectorySymlinks: true });
    expect(listed(followed)).toEqual([
      'file a.txt',
      'directory link-to-sub',
      'directory sub',
      'file link-to-sub/b.txt',
      'directory link-to-sub/deep',
      'file link-to-sub/deep/c.txt',
    ]);
    expect(listed(await walk({ ...limits, maxDepth: 0 }))).toEqual(['file a.txt', 'directory sub']);
    const cut = await walk({ ...limits, maxEntries: 2 });
    expect(listed(cut)).toEqual(['file a.txt']);
    expect(cut.truncated).toBe(true);
  });

  it('refuses limits of zero or above upstream maximums, and a missing root', async () => {
    const { client } = await fx.session();
    expect(
      await client.error('fs/walk', {
        path: uri(scratch.path),
        options: { ...limits, maxEntries: 0 },
        sandbox: null,
      }),
    ).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'filesystem walk limits must be greater than zero',
    });
    expect(
      await client.error('fs/walk', {
        path: uri(scratch.path),
        options: { ...limits, maxDepth: 65 },
        sandbox: null,
      }),
    ).toEqual({
      code: RpcErrorCode.InvalidRequest,
      message: 'filesystem walk limits exceed maximums: depth=64, directories=10000, entries=50000',
    });
    const missing = await client.error('fs/walk', {
      path: uri(join(scratch.path, 'none')),
      options: limits,
      sandbox: null,
    });
    expect(missing.code).toBe(RpcErrorCode.NotFound);
  });
});
