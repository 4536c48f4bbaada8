/**
 * The published package as a user meets it: `npm pack`, then `npm install
 * --global` into an empty prefix with the machine's own Node and npm (no
 * repository, no devDependencies), then the installed CLI, every entry point
 * imported by package name with its types, the rendezvous template, and an
 * executor on a platform without a PTY binary.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readyLine } from '../../sim/executor-process.ts';
import { machineNode } from '../../sim/machine-node.ts';
import { runCli } from '../harness/executor-process.ts';

const root = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string;
  exports: Record<string, unknown>;
};
const machine = machineNode();
const work = mkdtempSync(join(tmpdir(), 'relaykit-package-'));
const prefix = join(work, 'prefix');
const installed = join(prefix, 'lib/node_modules/relaykit');
const cli = (args: string[]) => runCli(args, { command: [join(prefix, 'bin/relaykit')], env: machine.env });
const ptyBinary = join(installed, 'node_modules/@lydell', `node-pty-${process.platform}-${process.arch}`);
const executors = new Set<ChildProcess>();

/** Every entry of `exports` as a specifier: relaykit, relaykit/harness, … */
const entryPoints = Object.keys(manifest.exports)
  .filter((key) => key !== './package.json')
  .map((key) => `relaykit${key.slice(1)}`);
/** The worker's entry imports `cloudflare:workers`: wrangler bundles it, Node cannot import it. */
const nodeEntryPoints = entryPoints.filter((name) => name !== 'relaykit/worker');

async function run(
  file: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<string> {
  const { stdout, stderr } = await promisify(execFile)(file, args, {
    cwd: options.cwd,
    env: options.env ?? machine.env,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
    encoding: 'utf8',
  });
  return stdout + stderr;
}

function sizeOf(path: string): number {
  const stat = lstatSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
  executors.delete(child);
}

/** The installed `relaykit executor --listen ws://127.0.0.1:0`, its logs kept. */
async function startExecutor(): Promise<{ url: string; logs: () => string; stop: () => Promise<void> }> {
  const child = spawn(
    join(prefix, 'bin/relaykit'),
    ['executor', '--log-level', 'warn', '--listen', 'ws://127.0.0.1:0'],
    { env: machine.env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  executors.add(child);
  let logs = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    logs += chunk.toString();
  });
  const url = await readyLine(child, /ws:\/\/127\.0\.0\.1:\d+(?=\s)/).catch((err: Error) => {
    throw new Error(`${err.message}\n${logs}`);
  });
  return { url, logs: () => logs, stop: () => stop(child) };
}

let installLog = '';

beforeAll(async () => {
  mkdirSync(prefix);
  await run(machine.npm, ['pack', '--pack-destination', work], { cwd: root, timeoutMs: 240_000 });
  const tarball = readdirSync(work).find((name) => name.endsWith('.tgz'));
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball in ${work}`);
  installLog = await run(
    machine.npm,
    [
      'install',
      '--global',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      join(work, tarball),
    ],
    { cwd: work, timeoutMs: 240_000 },
  );
}, 500_000);

afterAll(async () => {
  await Promise.all([...executors].map(stop));
  rmSync(work, { recursive: true, force: true });
});

describe(`the packed relaykit, installed with the machine's Node (${machine.version}) and npm`, () => {
  it('installs compiled code only, with the PTY binary for this platform and no engine warning', () => {
    expect(installLog).not.toMatch(/EBADENGINE/);
    expect(existsSync(join(ptyBinary, 'package.json'))).toBe(true);
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
      );
    const sources = files(installed).filter(
      (f) => !f.includes('/node_modules/') && f.endsWith('.ts') && !f.endsWith('.d.ts'),
    );
    expect(sources).toEqual([]);
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `installed size: ${mib(sizeOf(prefix))} MiB (relaykit's own files ${mib(sizeOf(installed) - sizeOf(join(installed, 'node_modules')))} MiB)`,
    );
  });

  it('runs the CLI: --version, an executor, exec with the exit code passed through, a tty command', async () => {
    expect(await cli(['--version'])).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
    const executor = await startExecutor();
    try {
      const exec = await cli(['exec', '--url', executor.url, '--', 'sh', '-c', 'echo out; exit 7']);
      expect(exec).toEqual({ code: 7, stdout: 'out\n', stderr: '' });
      const node = await cli(['exec', '--url', executor.url, '--', 'node', '-p', 'process.version']);
      expect(node.stdout).toBe(`${machine.version}\n`);
      const tty = await cli([
        'exec',
        '--tty',
        '--url',
        executor.url,
        '--',
        'sh',
        '-c',
        'test -t 1 && echo on a tty',
      ]);
      expect(tty.code).toBe(0);
      expect(tty.stdout).toContain('on a tty');
    } finally {
      await executor.stop();
    }
    expect(executor.logs()).toBe('');
  });

  it('imports every entry point by package name from an ESM script, with its types', async () => {
    const script = join(prefix, 'lib/import-all.mjs');
    writeFileSync(
      script,
      `for (const name of ${JSON.stringify(nodeEntryPoints)}) console.log(name, Object.keys(await import(name)).length);
console.log(import.meta.resolve('relaykit/worker'));\n`,
    );
    const lines = (await run(machine.node, [script], { cwd: prefix })).trim().split('\n');
    expect(lines.slice(0, -1).map((line) => line.split(' ')[0])).toEqual(nodeEntryPoints);
    for (const line of lines.slice(0, -1)) expect(Number(line.split(' ')[1])).toBeGreaterThan(0);
    expect(lines.at(-1)).toBe(`file://${join(installed, 'dist/worker/index.js')}`);

    const consumer = join(prefix, 'lib/consumer.ts');
    writeFileSync(
      consumer,
      `import { connect, type HarnessClient } from 'relaykit';
${nodeEntryPoints.map((name, i) => `import * as entry${i} from '${name}';`).join('\n')}
export const client: Promise<HarnessClient> = connect({ url: 'ws://127.0.0.1:1' });
export const entries = [${nodeEntryPoints.map((_, i) => `entry${i}`).join(', ')}];
export const start: typeof entry2.startLocalExecutor = entry2.startLocalExecutor;
`,
    );
    writeFileSync(
      join(prefix, 'lib/tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          strict: true,
          noEmit: true,
          types: ['node'],
          typeRoots: [join(root, 'node_modules/@types')],
        },
        files: ['consumer.ts'],
      }),
    );
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(prefix, 'lib')], {
      cwd: prefix,
      env: process.env,
    });
  });

  it("forks through the package's spawn helper on the machine's Node, logging nothing", async () => {
    const script = join(prefix, 'lib/spawn-helper.mjs');
    writeFileSync(
      script,
      `import { connect } from 'relaykit/harness';
import { createLogger, startLocalExecutor } from 'relaykit/executor';
const executor = await startLocalExecutor({ host: '127.0.0.1', port: 0 }, createLogger('warn'), { spawnHelper: 'always', stateDirectory: null });
const client = await connect({ url: executor.url });
const runs = await Promise.all([1, 2, 3].map((n) => client.run(['sh', '-c', 'echo run $0', String(n)])));
console.log(runs.map((r) => r.exitCode + ' ' + r.stdout.toString().trim()).join(', '));
await client.close();
await executor.close();
`,
    );
    // Output and logs together: a helper missing from the package would be logged and worked around.
    expect(await run(machine.node, [script], { cwd: prefix })).toBe('0 run 1, 0 run 2, 0 run 3\n');
  });

  it('writes a rendezvous project from the template that wrangler bundles with the worker of the package', async () => {
    const project = join(work, 'rendezvous');
    const init = await cli(['init', 'rendezvous', project]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('npx wrangler deploy');
    expect((await cli(['init', 'rendezvous', project])).stderr).toMatch(/is not empty/);
    // What `npm install` in the project does, without fetching wrangler again.
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(installed, join(project, 'node_modules/relaykit'), 'dir');
    const output = await run(
      process.execPath,
      [join(root, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '--outdir', 'out'],
      { cwd: project, env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_API_TOKEN: '' } },
    );
    expect(output).toMatch(/EXECUTOR_RELAY \(ExecutorRelay\)\s+Durable Object/);
    expect(readFileSync(join(project, 'out/worker.js'), 'utf8')).toContain('ExecutorRelay');
  });

  it('runs an executor where no PTY binary fits: says why once, refuses tty, runs the rest', async () => {
    rmSync(ptyBinary, { recursive: true });
    const executor = await startExecutor();
    try {
      const tty = await cli(['exec', '--tty', '--url', executor.url, '--', 'true']);
      expect(tty.code).not.toBe(0);
      expect(tty.stderr).toMatch(/PTY processes are unavailable on this executor \(.*node-pty/);
      expect(await cli(['exec', '--url', executor.url, '--', 'sh', '-c', 'exit 3'])).toMatchObject({
        code: 3,
      });
    } finally {
      await executor.stop();
    }
    expect(
      executor.logs().match(/PTY processes are unavailable: requests with tty: true will be refused/g),
    ).toHaveLength(1);
  });
});
