/**
 * Runs the rendezvous worker (worker/index.ts) under Miniflare for tests,
 * benchmarks and `relaykit sim`, on a loopback port, with an in-memory
 * Durable Object store.
 *
 *   const worker = await startWorker();
 *   const token = await worker.mintToken('harness', 'exec-1');
 *   const { url } = await worker.connect('exec-1', token);   // ws://127.0.0.1:PORT/…?ticket=…
 *   await worker.stats('exec-1');                             // GET …/stats
 *   await worker.evictDurableObject('exec-1');                // hibernate: sockets stay open
 *   await worker.dispose();
 *
 * The worker is bundled once per process with esbuild (as wrangler would).
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { build } from 'esbuild';
import { Log, LogLevel, Miniflare } from 'miniflare';
import type { RegistryAnswer } from '../proto/registry.ts';
import type { RelayStats } from '../worker/counters.ts';
import { mintToken, type Role } from '../worker/tokens.ts';

export type { RelayStats } from '../worker/counters.ts';
export type { Role } from '../worker/tokens.ts';

const root = resolve(import.meta.dirname, '..');
const WORKER_NAME = 'relaykit';
const COMPATIBILITY_DATE = '2026-07-01';

export interface StartWorkerOptions {
  /** Defaults to a fresh random key. */
  signingKey?: string;
  /** Extra worker vars, e.g. { MAX_STREAMS_PER_HARNESS_SOCKET: '4' } (see worker/config.ts). */
  vars?: Record<string, string>;
}

export interface MintTokenOptions {
  /** Defaults to one hour. May be negative for an already expired token. */
  ttlSeconds?: number;
  /** Harness identity; defaults to a fresh random id per token. */
  subject?: string;
}

export interface WorkerUnderTest {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  readonly signingKey: string;
  mintToken(role: Role, executorId: string, opts?: MintTokenOptions): Promise<string>;
  /** POST …/register with `{"instance"}`; throws with the status and body unless 200. */
  register(executorId: string, token: string, instance: string): Promise<RegistryAnswer>;
  /** POST …/connect; throws with the status and body unless 200. */
  connect(executorId: string, token: string): Promise<RegistryAnswer>;
  /** GET …/stats with a freshly minted harness token. */
  stats(executorId: string): Promise<RelayStats>;
  /** Evicts the executor's Durable Object the way hibernation does: its WebSockets stay open. */
  evictDurableObject(executorId: string): Promise<void>;
  dispose(): Promise<void>;
}

let bundle: Promise<string> | undefined;

/** The worker as one ES module, built once per process. */
function workerBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [resolve(root, 'worker/index.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2023',
    external: ['cloudflare:*'],
    logLevel: 'silent',
  }).then((result) => {
    const file = result.outputFiles[0];
    if (file === undefined) throw new Error('esbuild produced no worker bundle');
    return file.text;
  });
  return bundle;
}

async function registryCall(url: string, token: string, body?: unknown): Promise<RegistryAnswer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${text}`);
  return JSON.parse(text) as RegistryAnswer;
}

export async function startWorker(opts: StartWorkerOptions = {}): Promise<WorkerUnderTest> {
  const signingKey = opts.signingKey ?? randomBytes(32).toString('base64url');
  const mf = new Miniflare({
    name: WORKER_NAME,
    modules: [{ type: 'ESModule', path: 'index.js', contents: await workerBundle() }],
    compatibilityDate: COMPATIBILITY_DATE,
    durableObjects: { EXECUTOR_RELAY: { className: 'ExecutorRelay', useSQLite: true } },
    bindings: { SIGNING_KEY: signingKey, ...opts.vars },
    host: '127.0.0.1',
    port: 0,
    log: new Log(LogLevel.WARN),
    // No request.cf lookup: tests stay offline.
    cf: false,
  });
  const base = (await mf.ready).origin;

  const worker: WorkerUnderTest = {
    url: base,
    signingKey,
    mintToken(role, executorId, mintOpts = {}) {
      const ttl = mintOpts.ttlSeconds ?? 3600;
      const now = Math.floor(Date.now() / 1000);
      // A non-positive ttl gives a token issued in the past that expired `-ttl` seconds ago.
      const issuedAt = ttl > 0 ? now : now + ttl - 60;
      return mintToken(signingKey, {
        role,
        executorId,
        subject: mintOpts.subject,
        ttlSeconds: ttl > 0 ? ttl : 60,
        now: issuedAt,
      });
    },
    register: (executorId, token, instance) =>
      registryCall(`${base}/cloud/executor/${executorId}/register`, token, { instance }),
    connect: (executorId, token) => registryCall(`${base}/cloud/executor/${executorId}/connect`, token),
    async stats(executorId) {
      const token = await worker.mintToken('harness', executorId);
      const response = await fetch(`${base}/cloud/executor/${executorId}/stats`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (response.status !== 200)
        throw new Error(`stats answered ${response.status}: ${await response.text()}`);
      return (await response.json()) as RelayStats;
    },
    evictDurableObject: (executorId) =>
      mf.unsafeEvictDurableObject(WORKER_NAME, 'ExecutorRelay', {
        name: executorId,
        webSockets: 'hibernate',
      }),
    dispose: () => mf.dispose(),
  };
  return worker;
}
