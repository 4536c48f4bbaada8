import { describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import { useExecutor } from './fixture.ts';
import { isAlive, type TestClient, until, waitGone } from './rpc-client.ts';

const NODE = process.execPath;

interface ReadResult {
  chunks: { seq: number; stream: string; chunk: string }[];
  nextSeq: number;
  closed: boolean;
  exited: boolean;
  exitCode: number | null;
}

describe('executor session resume (local mode)', () => {
  const fx = useExecutor();

  it('resumes a session after the connection drops mid-output and reads everything from afterSeq', async () => {
    const { executor, client, sessionId } = await fx.session({ sessionTtlMs: 30_000 });
    // Numbered lines; the second, larger half starts on a line on stdin and is cut by the drop.
    const script =
      "const line=(i)=>'line '+i+'\\n';for(let i=0;i<2000;i++)process.stdout.write(line(i));process.stdin.once('data',()=>{for(let i=2000;i<40000;i++)process.stdout.write(line(i));process.stdin.destroy()})";
    await client.request('process/start', {
      processId: 'p',
      argv: [NODE, '-e', script],
      tty: false,
      pipeStdin: true,
    });
    await client.waitForOutput('p', 'line 1999\n');
    await client.request('process/write', {
      processId: 'p',
      chunk: Buffer.from('go\n').toString('base64'),
      writeId: 'w',
    });
    await client.waitForOutput('p', 'line 2000\n');
    client.close();
    // What arrived before the drop: a prefix of the events, in seq order.
    const seen = client.eventsOf('p').filter((n) => n.method === 'process/output');
    const lastSeen = seen.at(-1)?.params.seq as number;
    const before = Buffer.concat(seen.map((n) => Buffer.from(n.params.chunk as string, 'base64')));
    expect(seen.map((n) => n.params.seq)).toEqual(seen.map((_, i) => i + 1));
    await until(() => (client.closed ? true : undefined), 'client closed');

    const again = await fx.connect(executor.url);
    // The session may still be attached until the server notices the close.
    const resumed = await resumeWhenDetached(again, sessionId);
    expect(resumed).toBe(sessionId);
    let afterSeq = lastSeen;
    const rest: Buffer[] = [];
    for (;;) {
      const read = await again.request<ReadResult>('process/read', {
        processId: 'p',
        afterSeq,
        waitMs: 5_000,
      });
      for (const c of read.chunks) rest.push(Buffer.from(c.chunk, 'base64'));
      afterSeq = read.nextSeq - 1;
      if (read.closed) {
        expect(read.exitCode).toBe(0);
        break;
      }
    }
    const all = Buffer.concat([before, ...rest]).toString();
    const expected = Array.from({ length: 40000 }, (_, i) => `line ${i}\n`).join('');
    expect(all).toBe(expected);
  });

  it('kills the processes of a session, grandchildren included, once its TTL passes', async () => {
    const { executor, client, sessionId } = await fx.session({ sessionTtlMs: 300 });
    await client.request('process/start', {
      processId: 'tree',
      argv: ['/bin/sh', '-c', 'echo $$; sleep 1000 & echo $!; wait'],
      tty: false,
    });
    await client.request('process/start', {
      processId: 'pty',
      argv: ['/bin/sh', '-c', 'echo $$; sleep 1000'],
      tty: true,
    });
    const pids = await until(() => {
      const a = client.outputOf('tree').toString().trim().split('\n').filter(Boolean);
      const b = client.outputOf('pty').toString().trim().split(/\s+/).filter(Boolean);
      return a.length >= 2 && b.length >= 1 ? [...a.slice(0, 2), b[0]].map(Number) : undefined;
    }, 'pids');
    for (const pid of pids) expect(await isAlive(pid)).toBe(true);
    client.close();
    for (const pid of pids) expect(await waitGone(pid), `pid ${pid} gone`).toBe(true);
    await until(() => (executor.sessions.size === 0 ? true : undefined), 'session removed');
    const late = await fx.connect(executor.url);
    const err = await late.error('initialize', { clientName: 't', resumeSessionId: sessionId });
    expect(err).toEqual({ code: RpcErrorCode.InvalidRequest, message: `unknown session id ${sessionId}` });
  });

  it('answers a read that fell behind the retained window with an explicit gap error', async () => {
    const { client } = await fx.session({ retainBytes: 64 * 1024 });
    const script = 'const b=Buffer.alloc(16384,97);for(let i=0;i<32;i++)process.stdout.write(b)';
    await client.request('process/start', { processId: 'g', argv: [NODE, '-e', script], tty: false });
    await client.waitForClosed('g');
    const gap = await client.error('process/read', { processId: 'g', afterSeq: 0 });
    expect(gap.code).toBe(RpcErrorCode.OutputGap);
    const first = (gap.data as { firstRetainedSeq: number }).firstRetainedSeq;
    expect(first).toBeGreaterThan(1);
    const read = await client.request<ReadResult>('process/read', { processId: 'g', afterSeq: first - 1 });
    const bytes = read.chunks.reduce((n, c) => n + Buffer.from(c.chunk, 'base64').length, 0);
    expect(bytes).toBeLessThanOrEqual(64 * 1024 + 16384);
    expect(read.closed).toBe(true);
    expect(read.chunks[0]?.seq).toBe(first);
  });
});

async function resumeWhenDetached(client: TestClient, sessionId: string): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const answer = await client.call('initialize', { clientName: 'test', resumeSessionId: sessionId });
    if ('result' in answer) {
      client.notify('initialized');
      return (answer.result as { sessionId: string }).sessionId;
    }
    const error = answer.error as { code: number };
    if (error.code !== RpcErrorCode.SessionAttachedElsewhere || Date.now() > deadline) {
      throw new Error(`resume failed: ${JSON.stringify(error)}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
