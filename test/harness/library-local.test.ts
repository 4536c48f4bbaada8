import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../executor/limits.ts';
import {
  ConnectionLostError,
  connect,
  type HarnessClient,
  HarnessConnectError,
  RpcError,
} from '../../harness/index.ts';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { type SpawnedExecutor, spawnLocalExecutor } from './executor-process.ts';

let executor: SpawnedExecutor;
let client: HarnessClient;
let dir: string;

beforeAll(async () => {
  executor = await spawnLocalExecutor();
  client = await connect({ url: executor.url });
  dir = await mkdtemp(join(tmpdir(), 'relaykit-harness-'));
});

afterAll(async () => {
  await client?.close();
  await executor?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function collect(handle: AsyncIterable<{ data: Uint8Array }>): Promise<string> {
  let text = '';
  for await (const chunk of handle) text += Buffer.from(chunk.data).toString();
  return text;
}

async function untilOutput(iterator: AsyncIterator<{ data: Uint8Array }>, pattern: RegExp): Promise<string> {
  let text = '';
  while (!pattern.test(text)) {
    const next = await iterator.next();
    if (next.done) throw new Error(`output ended before ${pattern}: ${JSON.stringify(text)}`);
    text += Buffer.from(next.value.data).toString();
  }
  return text;
}

describe('harness library against a local-mode executor', () => {
  it('has no relay counters in local mode', () => {
    expect(client.stats()).toBeUndefined();
  });

  it('reports the exit code and keeps stdout and stderr apart', async () => {
    const result = await client.run(['sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ exitCode: 3, signal: null });
    expect(result.stdout.toString()).toBe('out\n');
    expect(result.stderr.toString()).toBe('err\n');
  });

  it('passes cwd and env to the process', async () => {
    const result = await client.run(['sh', '-c', 'pwd; echo "$GREETING"'], {
      cwd: dir,
      env: { GREETING: 'hi there' },
    });
    expect(result.stdout.toString()).toBe(`${dir}\nhi there\n`);
  });

  it('writes stdin in order and delivers EOF after the last write', async () => {
    const handle = await client.exec(['sh', '-c', 'cat; echo done'], { pipeStdin: true });
    const writes = Array.from({ length: 50 }, (_, i) => handle.write(`line ${i}\n`));
    const eof = handle.closeStdin();
    await Promise.all([...writes, eof]);
    const expected = `${Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join('')}done\n`;
    expect(await collect(handle)).toBe(expected);
    expect(await handle.wait()).toEqual({ exitCode: 0, signal: null });
  });

  it('round-trips binary output byte for byte', async () => {
    const payload = randomBytes(300_000);
    const result = await client.run(['cat'], { stdin: payload });
    expect(result.stdout.equals(payload)).toBe(true);
  });

  it('runs under a PTY with the requested size and follows a resize', async () => {
    const handle = await client.exec(['sh', '-c', 'stty size; read x; stty size'], {
      tty: true,
      cols: 90,
      rows: 20,
    });
    const output = handle[Symbol.asyncIterator]();
    expect(await untilOutput(output, /20 90/)).toMatch(/20 90/);
    await handle.resize(132, 43);
    await handle.write('go\r');
    expect(await untilOutput(output, /43 132/)).toMatch(/43 132/);
    expect(await handle.wait()).toEqual({ exitCode: 0, signal: null });
  });

  it('delivers a signal and reports the process as killed by it, with exit code 128+n', async () => {
    const handle = await client.exec(['sh', '-c', 'echo ready; exec sleep 30']);
    const output = handle[Symbol.asyncIterator]();
    await untilOutput(output, /ready/);
    await handle.signal('SIGTERM');
    expect(await handle.wait()).toEqual({ exitCode: 143, signal: 'SIGTERM' });
  });

  it('terminates a running process', async () => {
    const handle = await client.exec(['sleep', '30']);
    expect(await handle.terminate()).toBe(true);
    const status = await handle.wait();
    expect(status.exitCode).toBeGreaterThan(128);
    expect(status.signal).not.toBeNull();
  });

  it('rejects a start that cannot spawn with the executor error code', async () => {
    const error = await client.exec(['/nonexistent/binary']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RpcErrorCode.InternalError);
    expect((error as RpcError).message).toMatch(/ENOENT/);
  });

  it('writes, reads, lists, copies and removes files', async () => {
    const bytes = randomBytes(4096);
    await client.createDirectory(join(dir, 'a/b'), { recursive: true });
    await client.writeFile(join(dir, 'a/b/f.bin'), bytes);
    expect((await client.readFile(join(dir, 'a/b/f.bin'))).equals(bytes)).toBe(true);
    const meta = await client.getMetadata(join(dir, 'a/b/f.bin'));
    expect(meta).toMatchObject({ isFile: true, isDirectory: false, size: 4096 });
    await client.copy(join(dir, 'a'), join(dir, 'copy'), { recursive: true });
    expect(await client.readDirectory(join(dir, 'copy/b'))).toEqual([
      { fileName: 'f.bin', isDirectory: false, isFile: true },
    ]);
    await client.remove(join(dir, 'a'), { recursive: true });
    const error = await client.readFile(join(dir, 'a/b/f.bin')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect((error as RpcError).code).toBe(RpcErrorCode.NotFound);
  });

  it('reads a file larger than the executor sends at once in blocks', async () => {
    const bytes = randomBytes(DEFAULT_LIMITS.maxInlineBytes + 1);
    await writeFile(join(dir, 'large.bin'), bytes);
    expect((await client.readFile(join(dir, 'large.bin'))).equals(bytes)).toBe(true);
  });

  it('fails a write larger than one message with a clear error, and one too large to read without sending it again and again', async () => {
    // In base64, 0.7 of the limit makes a message just under it, 0.8 one just over.
    const answered = await client.writeFile(
      join(dir, 'never'),
      randomBytes(Math.floor(DEFAULT_LIMITS.maxMessageBytes * 0.7)),
    );
    const refused = await client
      .writeFile(join(dir, 'never'), randomBytes(Math.floor(DEFAULT_LIMITS.maxMessageBytes * 0.8)))
      .catch((e: unknown) => e);
    expect(answered).toBeUndefined();
    expect(refused).toBeInstanceOf(RpcError);
    expect((refused as RpcError).message).toBe(
      `JSON-RPC message exceeds the limit of ${DEFAULT_LIMITS.maxMessageBytes} bytes`,
    );
    const lost = await client
      .writeFile(join(dir, 'never'), randomBytes(DEFAULT_LIMITS.maxMessageBytes * 2))
      .catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(ConnectionLostError);
    expect((lost as Error).message).toMatch(/protocol_error:message_too_large/);
    expect((await client.environmentInfo()).platform).toBe(process.platform);
  });

  it('describes the executor environment', async () => {
    const info = await client.environmentInfo();
    expect(info.platform).toBe(process.platform);
    expect(info.shell.path).toMatch(/^\//);
  });

  it('fails to connect with a clear error when nothing listens', async () => {
    const error = await connect({ url: 'ws://127.0.0.1:1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HarnessConnectError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });
});
