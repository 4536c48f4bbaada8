import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RELAYKIT_BIN } from '../../sim/executor-process.ts';
import { pollUntil } from '../../sim/poll.ts';
import { descendantsOf, type ProcessInfo } from '../../sim/processes.ts';

const root = resolve(import.meta.dirname, '../..');

let start: ChildProcess | undefined;
let children: ProcessInfo[] = [];

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const address = server.address();
  await new Promise<void>((ok) => server.close(() => ok()));
  return typeof address === 'object' && address ? address.port : 0;
}

afterAll(async () => {
  if (start && start.exitCode === null && start.signalCode === null) {
    start.kill('SIGINT');
    await once(start, 'exit');
  }
  for (const child of children) if (alive(child.pid)) process.kill(child.pid, 'SIGKILL');
});

describe('npm start', () => {
  it('runs the rendezvous and an executor, prints an exec line that works, and stops everything on Ctrl-C', {
    timeout: 180_000,
  }, async () => {
    const child = spawn(process.execPath, ['scripts/start.ts'], {
      cwd: root,
      env: { ...process.env, PORT: String(await freePort()), RELAYKIT_EXECUTOR_ID: 'npm-start-test' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    start = child;
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr?.resume();
    await pollUntil('the printed exec line', () => /Ctrl-C stops everything/.test(stdout), 150_000);

    const token = /export RELAYKIT_HARNESS_TOKEN=(\S+)/.exec(stdout)?.[1];
    const execLine = /^\s*npx relaykit (exec .*)$/m.exec(stdout)?.[1];
    expect(token).toBeDefined();
    expect(execLine).toBeDefined();
    expect(stdout).toMatch(
      /npx relaykit shell --registry http:\/\/127\.0\.0\.1:\d+ --executor-id npm-start-test/,
    );
    expect(stdout).toMatch(/\[executor\] .* registered with .* \(secure relay, executor key [\w-]{43}\)/);

    // The exec line, insisting on the secure relay: npm start's executor serves nothing else.
    const secureExec = execLine?.replace(/^exec /, 'exec --security-profile noise_hybrid_ik_v1 ');
    const exec = spawn('sh', ['-c', `"${process.execPath}" "${RELAYKIT_BIN}" ${secureExec}`], {
      cwd: root,
      env: { ...process.env, RELAYKIT_HARNESS_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    exec.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    exec.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const [code] = await once(exec, 'exit');
    expect(output).toMatch(/^hello from \S+\n/);
    expect(code).toBe(0);

    children = await descendantsOf(child.pid as number);
    const names = children.map((p) => p.args).join('\n');
    expect(names).toMatch(/wrangler/);
    expect(names).toMatch(/workerd/);
    expect(names).toMatch(/relaykit\.js executor/);

    child.kill('SIGINT');
    const [startCode] = await once(child, 'exit');
    expect(startCode).toBe(0);
    await pollUntil(
      'every process npm start started to exit',
      () => children.every((p) => !alive(p.pid)),
      15_000,
    );
  });
});
