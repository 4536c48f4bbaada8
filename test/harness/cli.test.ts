import * as pty from '@lydell/node-pty';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli as relaykit, type SpawnedExecutor, spawnLocalExecutor } from './executor-process.ts';

let executor: SpawnedExecutor;

beforeAll(async () => {
  executor = await spawnLocalExecutor();
});

afterAll(async () => {
  await executor?.stop();
});

describe('relaykit exec', () => {
  it('prints each line to the right local stream and exits with the remote exit code', async () => {
    const result = await relaykit([
      'exec',
      '--url',
      executor.url,
      '--',
      'sh',
      '-c',
      'echo out; echo err >&2; exit 3',
    ]);
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('forwards piped stdin to the remote process', async () => {
    const result = await relaykit(['exec', '--url', executor.url, '--', 'tr', 'a-z', 'A-Z'], {
      stdin: 'hello\nworld\n',
    });
    expect(result).toEqual({ code: 0, stdout: 'HELLO\nWORLD\n', stderr: '' });
  });

  it('exits with 128+n when the remote process dies of signal n', async () => {
    const result = await relaykit(['exec', '--url', executor.url, '--', 'sh', '-c', 'kill -TERM $$']);
    expect(result.code).toBe(143);
  });

  it('passes --cwd and repeated --env to the process', async () => {
    const result = await relaykit([
      'exec',
      '--url',
      executor.url,
      '--cwd',
      '/tmp',
      '--env',
      'A=1',
      '--env',
      'B=x=y',
      '--',
      'sh',
      '-c',
      'echo "$(pwd) $A $B"',
    ]);
    expect(result).toEqual({ code: 0, stdout: '/tmp 1 x=y\n', stderr: '' });
  });

  it('prints one clear line and fails when the executor is unreachable', async () => {
    const result = await relaykit(['exec', '--url', 'ws://127.0.0.1:1', '--', 'true']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'relaykit: cannot connect to ws://127.0.0.1:1: ECONNREFUSED (connect ECONNREFUSED 127.0.0.1:1)\n',
    );
  });

  it('prints one clear line when the command cannot be started', async () => {
    const result = await relaykit(['exec', '--url', executor.url, '--', '/nonexistent/cmd']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^relaykit: cannot start \/nonexistent\/cmd: .*ENOENT.*\n$/);
  });

  it('rejects missing or conflicting connection flags as usage errors', async () => {
    const none = await relaykit(['exec', '--', 'true']);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe(
      'relaykit: one of --url ws://HOST:PORT or --registry URL --executor-id ID is required\n',
    );
    const both = await relaykit([
      'exec',
      '--url',
      executor.url,
      '--registry',
      'http://127.0.0.1:1',
      '--',
      'true',
    ]);
    expect(both.code).toBe(2);
    const noToken = await relaykit(
      ['exec', '--registry', 'http://127.0.0.1:1', '--executor-id', 'e1', '--', 'true'],
      {
        env: { ...process.env, RELAYKIT_HARNESS_TOKEN: '' },
      },
    );
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toBe('relaykit: a harness token is required: --token or RELAYKIT_HARNESS_TOKEN\n');
  });

  it('rejects an unknown flag and a malformed --env', async () => {
    const bogus = await relaykit(['exec', '--url', executor.url, '--bogus', '--', 'true']);
    expect(bogus.code).not.toBe(0);
    expect(bogus.stderr).toMatch(/unknown option '--bogus'/);
    const env = await relaykit(['exec', '--url', executor.url, '--env', 'NOEQUALS', '--', 'true']);
    expect(env.code).not.toBe(0);
    expect(env.stderr).toMatch(/expected KEY=VALUE/);
  });

  it('documents itself with --help', async () => {
    const exec = await relaykit(['exec', '--help']);
    expect(exec.code).toBe(0);
    expect(exec.stdout).toMatch(/Usage: relaykit exec .* -- CMD \[ARGS\.\.\.\]/);
    const shell = await relaykit(['shell', '--help']);
    expect(shell.code).toBe(0);
    expect(shell.stdout).toMatch(/Usage: relaykit shell/);
  });
});

describe('relaykit shell', () => {
  it('runs commands in an interactive remote shell, follows a resize, passes Ctrl-C and exits cleanly', async () => {
    const term = pty.spawn(process.execPath, [BIN, 'shell', '--url', executor.url, '--shell', '/bin/sh'], {
      cols: 90,
      rows: 20,
      env: process.env as Record<string, string>,
    });
    let screen = '';
    term.onData((d) => {
      screen += d;
    });
    const exited = new Promise<{ exitCode: number }>((resolve) => term.onExit(resolve));
    const waitFor = async (pattern: RegExp) => {
      const deadline = performance.now() + 20_000;
      while (!pattern.test(screen)) {
        if (performance.now() > deadline)
          throw new Error(`no ${pattern} on screen: ${JSON.stringify(screen)}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    try {
      term.write('stty size; echo sum-$((40+2))\r');
      await waitFor(/20 90\s+sum-42/);
      term.resize(120, 33);
      // The resize reaches the remote on its own path; ask for the size until it shows.
      const asking = setInterval(() => term.write('stty size\r'), 200);
      await waitFor(/33 120/).finally(() => clearInterval(asking));
      term.write('sleep 30; echo not-interrupted\r');
      await waitFor(/sleep 30; echo not-interrupted\s/);
      term.write('\x03');
      term.write('echo after-$((1+1))\r');
      await waitFor(/after-2/);
      expect(screen).not.toMatch(/\nnot-interrupted/);
      term.write('exit 5\r');
      expect(await exited).toMatchObject({ exitCode: 5 });
    } finally {
      term.kill();
    }
  });
});
