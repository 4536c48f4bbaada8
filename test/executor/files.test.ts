import { randomBytes } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor, useScratchDir } from './fixture.ts';

describe('executor files (local mode)', () => {
  const fx = useExecutor();
  const scratch = useScratchDir('relaykit-fs-');

  it('round-trips file contents through writeFile and readFile, by path and by file: URI', async () => {
    const { client } = await fx.session();
    const data = randomBytes(300_000);
    const path = join(scratch.path, 'blob.bin');
    await client.request('fs/writeFile', { path, dataBase64: data.toString('base64') });
    const back = await client.request<{ dataBase64: string }>('fs/readFile', {
      path: pathToFileURL(path).href,
    });
    expect(Buffer.from(back.dataBase64, 'base64').equals(data)).toBe(true);
  });

  it('lists directories (links as what they point to), reports metadata, creates, copies and removes', async () => {
    const { client } = await fx.session();
    await client.request('fs/createDirectory', { path: join(scratch.path, 'a/b/c'), recursive: true });
    await client.request('fs/writeFile', {
      path: join(scratch.path, 'a/file.txt'),
      dataBase64: Buffer.from('hello').toString('base64'),
    });
    await symlink(join(scratch.path, 'a/file.txt'), join(scratch.path, 'a/link'));
    const listing = await client.request<{ entries: unknown[] }>('fs/readDirectory', {
      path: join(scratch.path, 'a'),
    });
    expect(listing.entries).toEqual([
      { fileName: 'b', isDirectory: true, isFile: false },
      { fileName: 'file.txt', isDirectory: false, isFile: true },
      { fileName: 'link', isDirectory: false, isFile: true },
    ]);
    const meta = await client.request<Record<string, unknown>>('fs/getMetadata', {
      path: join(scratch.path, 'a/link'),
    });
    expect(meta).toMatchObject({ isFile: true, isDirectory: false, isSymlink: true, size: 5 });
    expect(meta.modifiedAtMs).toBeGreaterThan(0);
    await client.request('fs/copy', {
      sourcePath: join(scratch.path, 'a'),
      destinationPath: join(scratch.path, 'copy'),
      recursive: true,
    });
    const copied = await client.request<{ dataBase64: string }>('fs/readFile', {
      path: join(scratch.path, 'copy/file.txt'),
    });
    expect(Buffer.from(copied.dataBase64, 'base64').toString()).toBe('hello');
    await client.request('fs/remove', { path: join(scratch.path, 'copy'), recursive: true });
    const gone = await client.error('fs/getMetadata', { path: join(scratch.path, 'copy') });
    expect(gone.code).toBe(RpcErrorCode.NotFound);
  });

  it('answers missing paths with -32004, relative paths with -32602 and OS failures with -32603', async () => {
    const { client } = await fx.session();
    const missing = join(scratch.path, 'nope');
    for (const [method, params] of [
      ['fs/readFile', { path: missing }],
      ['fs/readDirectory', { path: missing }],
      ['fs/getMetadata', { path: missing }],
      ['fs/remove', { path: missing, force: false }],
      ['fs/copy', { sourcePath: missing, destinationPath: join(scratch.path, 'x'), recursive: false }],
      ['fs/writeFile', { path: join(missing, 'f'), dataBase64: '' }],
    ] as const) {
      const err = await client.error(method, params);
      expect(err.code, method).toBe(RpcErrorCode.NotFound);
      expect(err.message, method).toContain(missing);
    }
    const relative = await client.error('fs/readFile', { path: 'relative/path' });
    expect(relative.code).toBe(RpcErrorCode.InvalidParams);
    expect(relative.message).toContain('path');
    const notDir = await client.error('fs/readDirectory', { path: '/etc/hostname' });
    expect(notDir.code).toBe(RpcErrorCode.InternalError);
    expect(notDir.message).toContain('ENOTDIR');
  });
});
