/**
 * `npm start`: the whole stack on this machine — the rendezvous under
 * `wrangler dev`, one executor registered against it — and the exact
 * commands to try. Ctrl-C stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SECURE_PROFILE } from '../proto/secure-relay.ts';
import { readDevVar } from '../sim/dev-vars.ts';
import { mintToken, type Role } from '../worker/tokens.ts';

const root = resolve(import.meta.dirname, '..');
const bin = join(root, 'node_modules/.bin');
const relaykit = join(root, 'bin/relaykit.js');
const executorId = process.env.RELAYKIT_EXECUTOR_ID ?? 'local';
const env = {
  ...process.env,
  PATH: `${bin}:${process.env.PATH ?? ''}`,
  WRANGLER_SEND_METRICS: 'false',
  // The rendezvous never reads request.cf: skip fetching it (a warning and a stack trace when offline).
  CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? 'false',
};
const children: ChildProcess[] = [];
let stopping = false;

/** `.dev.vars` holds the local SIGNING_KEY; made with a random key on first run. */
function signingKey(): string {
  const devVars = join(root, '.dev.vars');
  if (!existsSync(devVars)) {
    writeFileSync(devVars, `SIGNING_KEY=${randomBytes(32).toString('base64url')}\n`, { mode: 0o600 });
    console.log('created .dev.vars with a random SIGNING_KEY');
  }
  // Read the way wrangler reads it (quotes, spacing), so the tokens match the key it serves with.
  const key = readDevVar(devVars, 'SIGNING_KEY');
  if (!key) throw new Error('.dev.vars has no SIGNING_KEY line');
  return key;
}

async function freePort(): Promise<number> {
  const preferred = Number(process.env.PORT ?? 8787);
  const tryPort = (port: number) =>
    new Promise<number>((ok, fail) => {
      const server = createServer();
      server.once('error', fail);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => ok(typeof address === 'object' && address ? address.port : port));
      });
    });
  return tryPort(preferred).catch(() => tryPort(0));
}

/** Starts a child in its own process group, its output prefixed with `label`. */
function start(
  label: string,
  command: string,
  args: string[],
  extraEnv: Record<string, string> = {},
): ChildProcess {
  const child = spawn(command, args, { cwd: root, env: { ...env, ...extraEnv }, detached: true });
  const prefix = (chunk: Buffer) =>
    chunk
      .toString()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => `[${label}] ${line}\n`)
      .join('');
  child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(prefix(chunk)));
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(prefix(chunk)));
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${label} exited unexpectedly (${signal ?? `code ${code}`}); stopping`);
    void stop(1);
  });
  children.push(child);
  return child;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stop(code: number): Promise<never> {
  stopping = true;
  for (const child of [...children].reverse()) signalGroup(child, 'SIGTERM');
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline && children.some((c) => c.exitCode === null && c.signalCode === null)) {
    await sleep(100);
  }
  for (const child of children) signalGroup(child, 'SIGKILL');
  process.exit(code);
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (stopping) return;
    if (await check().catch(() => false)) return;
    await sleep(250);
  }
  console.error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
  await stop(1);
}

function token(role: Role, key: string): Promise<string> {
  return mintToken(key, { role, executorId, ttlSeconds: 24 * 3600, now: Math.floor(Date.now() / 1000) });
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));

const key = signingKey();
const port = await freePort();
const registry = `http://127.0.0.1:${port}`;

start('rendezvous', join(bin, 'wrangler'), [
  'dev',
  '--ip',
  '127.0.0.1',
  '--port',
  String(port),
  '--show-interactive-dev-session=false',
  '--log-level',
  'warn',
]);
await waitFor('the rendezvous (wrangler dev)', async () => (await fetch(`${registry}/healthz`)).ok, 120_000);

const executorToken = await token('executor', key);
const harnessToken = await token('harness', key);
start(
  'executor',
  join(bin, 'node'),
  [
    relaykit,
    'executor',
    '--registry',
    registry,
    '--executor-id',
    executorId,
    '--security-profile',
    SECURE_PROFILE,
  ],
  {
    RELAYKIT_EXECUTOR_TOKEN: executorToken,
  },
);
await waitFor(
  'the executor to connect',
  async () => {
    const res = await fetch(`${registry}/cloud/executor/${executorId}/stats`, {
      headers: { authorization: `Bearer ${harnessToken}` },
    });
    const stats = (await res.json()) as { sockets?: { executor?: number } };
    return res.ok && (stats.sockets?.executor ?? 0) > 0;
  },
  60_000,
);

const target = `--registry ${registry} --executor-id ${executorId}`;
console.log(`
relaykit is running
  rendezvous  ${registry}  (wrangler dev)
  executor    ${executorId}  (secure relay ${SECURE_PROFILE}: the rendezvous sees ciphertext only)

Try, in another terminal of this folder:
  export RELAYKIT_HARNESS_TOKEN=${harnessToken}
  npx relaykit exec ${target} -- sh -c 'echo hello from $(hostname); uname -a'
  npx relaykit shell ${target}

Ctrl-C stops everything.`);
