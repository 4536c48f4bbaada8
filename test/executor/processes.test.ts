import { describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor } from './fixture.ts';
import { isAlive, type TestClient, until, waitGone } from './rpc-client.ts';

const NODE = process.execPath;
const b64 = (s: string | Buffer) => Buffer.from(s).toString('base64');

async function start(
  client: TestClient,
  processId: string,
  argv: string[],
  extra: Record<string, unknown> = {},
) {
  return client.request('process/start', { processId, argv, tty: false, ...extra });
}

function write(client: TestClient, processId: string, text: string, writeId: string) {
  return client.request('process/write', { processId, chunk: b64(text), writeId });
}

async function pidsOf(client: TestClient, processId: string, count: number): Promise<number[]> {
  const out = await until(() => {
    const lines = client.outputOf(processId).toString().trim().split(/\s+/).filter(Boolean);
    return lines.length >= count ? lines : undefined;
  }, `${count} pids from ${processId}`);
  return out.slice(0, count).map(Number);
}

// Processes on pipes are forked by the executor, or (in a burst) by its spawn helper: both run every case.
describe.each(['never', 'always'] as const)(
  'executor processes (local mode, spawn helper: %s)',
  (spawnHelper) => {
    const fx = useExecutor();
    const session = () => fx.session({ spawnHelper });

    it('numbers stdout, stderr, exited and closed 1, 2, 3, 4 in order', async () => {
      const { client } = await session();
      // The child waits for a line on stdin between its two writes, so the interleaving is fixed.
      const script =
        "process.stdout.write('one');process.stdin.once('data',()=>{process.stderr.write('two');process.exit(5)})";
      await start(client, 'p', [NODE, '-e', script], { pipeStdin: true });
      await client.waitForOutput('p', 'one', 'stdout');
      expect(await write(client, 'p', 'go\n', 'w1')).toEqual({ status: 'accepted' });
      await client.waitForClosed('p');
      const events = client.eventsOf('p').map((n) => ({
        method: n.method,
        seq: n.params.seq,
        stream: n.params.stream,
        chunk: n.params.chunk ? Buffer.from(n.params.chunk as string, 'base64').toString() : undefined,
        exitCode: n.params.exitCode,
      }));
      expect(events).toEqual([
        { method: 'process/output', seq: 1, stream: 'stdout', chunk: 'one', exitCode: undefined },
        { method: 'process/output', seq: 2, stream: 'stderr', chunk: 'two', exitCode: undefined },
        { method: 'process/exited', seq: 3, stream: undefined, chunk: undefined, exitCode: 5 },
        { method: 'process/closed', seq: 4, stream: undefined, chunk: undefined, exitCode: undefined },
      ]);
      const read = await client.request('process/read', { processId: 'p', afterSeq: 0 });
      expect(read).toMatchObject({ nextSeq: 5, exited: true, exitCode: 5, signal: null, closed: true });
      expect((read.chunks as { seq: number }[]).map((c) => c.seq)).toEqual([1, 2]);
    });

    it('writes to a PTY and reads the echo back, reporting output as the pty stream', async () => {
      const { client } = await session();
      await start(client, 't', ['/bin/sh', '-c', 'read line; echo "got:$line"'], { tty: true });
      await write(client, 't', 'hello\r', 'w');
      await client.waitForOutput('t', 'got:hello', 'pty');
      await client.waitForClosed('t');
      const exited = client.eventsOf('t').find((n) => n.method === 'process/exited');
      expect(exited?.params).toMatchObject({ exitCode: 0, signal: null });
    });

    it('gives the child stdin only with pipeStdin, and closeStdin sends EOF', async () => {
      const { client } = await session();
      await start(client, 'noin', ['/bin/sh', '-c', 'cat; echo eof-seen']);
      await client.waitForClosed('noin');
      expect(client.outputOf('noin').toString()).toBe('eof-seen\n');
      expect(await write(client, 'noin', 'x', 'a')).toEqual({ status: 'stdinClosed' });

      await start(client, 'cat', ['/bin/cat'], { pipeStdin: true });
      await write(client, 'cat', 'abc', 'w1');
      // A retried write with the same writeId is accepted without writing twice.
      await write(client, 'cat', 'abc', 'w1');
      await write(client, 'cat', 'def', 'w2');
      await client.request('process/closeStdin', { processId: 'cat' });
      await client.waitForClosed('cat');
      expect(client.outputOf('cat').toString()).toBe('abcdef');
      expect(await write(client, 'nope', 'x', 'z')).toEqual({ status: 'unknownProcess' });
    });

    it('starts a PTY with the requested size and the child sees a resize', async () => {
      const { client } = await session();
      await start(client, 's', ['/bin/sh', '-c', 'stty size; read x; stty size'], {
        tty: true,
        cols: 100,
        rows: 30,
      });
      await client.waitForOutput('s', '30 100');
      await client.request('process/resize', { processId: 's', cols: 120, rows: 40 });
      await write(client, 's', '\r', 'w');
      await client.waitForOutput('s', '40 120');
    });

    it('delivers signals to the process and reports the exit code, 128+n for a death by signal n', async () => {
      const { client } = await session();
      const script =
        "process.on('SIGINT',()=>{console.log('got SIGINT');process.exit(7)});console.log('ready');setInterval(()=>{},1000)";
      await start(client, 'i', [NODE, '-e', script]);
      await client.waitForOutput('i', 'ready');
      await client.request('process/signal', { processId: 'i', signal: 'SIGINT' });
      await client.waitForClosed('i');
      expect(client.outputOf('i').toString()).toContain('got SIGINT');
      expect(client.eventsOf('i').find((n) => n.method === 'process/exited')?.params).toMatchObject({
        exitCode: 7,
        signal: null,
      });

      await start(client, 'k', ['/bin/sleep', '1000']);
      await client.request('process/signal', { processId: 'k', signal: 'SIGKILL' });
      await client.waitForClosed('k');
      expect(client.eventsOf('k').find((n) => n.method === 'process/exited')?.params).toMatchObject({
        exitCode: 137,
        signal: 'SIGKILL',
      });
    });

    it('terminates a child and the grandchild it forked, for pipes and PTYs', async () => {
      const { client } = await session();
      for (const tty of [false, true]) {
        const id = `tree-${tty}`;
        await start(client, id, ['/bin/sh', '-c', 'echo $$; sleep 1000 & echo $!; wait'], { tty });
        const [child, grandchild] = (await pidsOf(client, id, 2)) as [number, number];
        expect(await isAlive(child)).toBe(true);
        expect(await isAlive(grandchild)).toBe(true);
        expect(await client.request('process/terminate', { processId: id })).toEqual({ running: true });
        await client.waitForClosed(id);
        expect(await waitGone(child)).toBe(true);
        expect(await waitGone(grandchild)).toBe(true);
      }
      expect(await client.request('process/terminate', { processId: 'tree-false' })).toEqual({
        running: false,
      });
    });

    it('reports a missing binary and a bad cwd as -32603 with the OS reason', async () => {
      const { client } = await session();
      for (const tty of [false, true]) {
        const missing = await client.error('process/start', {
          processId: 'm',
          argv: ['/no/such/binary'],
          tty,
        });
        expect(missing.code).toBe(RpcErrorCode.InternalError);
        expect(missing.message).toContain('ENOENT');
        const onPath = await client.error('process/start', {
          processId: 'm',
          argv: ['no-such-binary-xyz'],
          tty,
        });
        expect(onPath.message).toMatch(/no-such-binary-xyz.*ENOENT/);
        const badCwd = await client.error('process/start', {
          processId: 'c',
          argv: ['/bin/true'],
          cwd: '/no/such/dir',
          tty,
        });
        expect(badCwd.code).toBe(RpcErrorCode.InternalError);
        expect(badCwd.message).toMatch(/\/no\/such\/dir.*ENOENT/);
      }
    });

    it('refuses a duplicate live processId with -32600', async () => {
      const { client } = await session();
      await start(client, 'dup', ['/bin/sleep', '1000']);
      const dup = await client.error('process/start', { processId: 'dup', argv: ['/bin/true'], tty: false });
      expect(dup.code).toBe(RpcErrorCode.InvalidRequest);
    });

    it('loses nothing when a PTY process writes more than 64 KiB right before it exits', async () => {
      const { client } = await session();
      const size = 300 * 1024;
      const script = `process.stdout.write('x'.repeat(${size}) + 'END', () => process.exit(0))`;
      for (let i = 0; i < 3; i++) {
        const id = `big-${i}`;
        await start(client, id, [NODE, '-e', script], { tty: true });
        await client.waitForClosed(id);
        const out = client.outputOf(id).toString();
        expect(out.length).toBe(size + 3);
        expect(out.endsWith('END')).toBe(true);
      }
    });

    it('long-polls process/read until output arrives', async () => {
      const { client } = await session();
      await start(client, 'lp', ['/bin/sh', '-c', 'read x; echo late'], { pipeStdin: true });
      const pending = client.request<{ chunks: { chunk: string }[] }>('process/read', {
        processId: 'lp',
        afterSeq: 0,
        waitMs: 30_000,
      });
      await write(client, 'lp', '\n', 'w');
      const read = await pending;
      expect(Buffer.from(read.chunks[0]?.chunk ?? '', 'base64').toString()).toBe('late\n');
    });
  },
);
