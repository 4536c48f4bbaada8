/** Child processes the benchmarks drive: executors and the raw ws peer, each printing a ready line. */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { ContainmentMode } from '../../executor/index.ts';
import { SECURE_PROFILE, type SecurityProfile } from '../../proto/secure-relay.ts';
import { RELAYKIT_BIN as BIN, readyLine } from '../../sim/executor-process.ts';

const RAW_WS_PEER = fileURLToPath(new URL('./raw-ws-peer-main.ts', import.meta.url));
/** The compiled CLI, as the installed package runs it (built by `buildCompiledCli`). */
export const COMPILED_CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

let built = false;

/** Builds dist/ (`scripts/build.ts`) once per benchmark run, for the suites that run the compiled CLI. */
export function buildCompiledCli(): void {
  if (built) return;
  execFileSync(process.execPath, ['scripts/build.ts'], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: 'ignore',
  });
  built = true;
}

export interface Child {
  readonly pid: number;
  /** The stdout match that said the child is ready. */
  readonly ready: string;
  stop(): Promise<void>;
}

async function start(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], env });
  const match = await readyLine(child, ready).catch((err: Error) => {
    throw new Error(`${args.join(' ')} ${err.message}`);
  });
  return {
    pid: child.pid as number,
    ready: match,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `relaykit executor --listen ws://127.0.0.1:0`; `ready` is its URL. */
export function spawnLocalExecutor(): Promise<Child> {
  return start(
    [BIN, 'executor', '--log-level', 'warn', '--listen', 'ws://127.0.0.1:0'],
    /ws:\/\/127\.0\.0\.1:\d+/,
  );
}

export interface RelayExecutorSettings {
  rto?: 'adaptive' | 'fixed';
  maxStreams?: number;
  /** Default: the secure relay, as the executor's own default. */
  securityProfile?: SecurityProfile;
  /** Run the compiled CLI (dist/) instead of the sources. */
  compiled?: boolean;
  /** `--containment`; default: the executor's own (auto). */
  containment?: ContainmentMode;
}

/** `relaykit executor --registry …`, registered with `registryUrl`. */
export function spawnRelayExecutor(
  registryUrl: string,
  executorId: string,
  token: string,
  settings: RelayExecutorSettings = {},
): Promise<Child> {
  const args = [
    settings.compiled ? COMPILED_CLI : BIN,
    'executor',
    '--registry',
    registryUrl,
    '--executor-id',
    executorId,
    '--log-level',
    'warn',
    '--security-profile',
    settings.securityProfile ?? SECURE_PROFILE,
  ];
  if (settings.rto === 'fixed') args.push('--rto', 'fixed-500ms');
  if (settings.maxStreams !== undefined) args.push('--max-streams', String(settings.maxStreams));
  if (settings.containment !== undefined) args.push('--containment', settings.containment);
  return start(args, /registered/, { ...process.env, RELAYKIT_EXECUTOR_TOKEN: token });
}

/**
 * The runtime libraries an idle executor has loaded: the floor of its idle
 * RSS on this Node, whatever relaykit's own code does.
 */
const EXECUTOR_LIBRARIES = [
  '@bufbuild/protobuf',
  '@lydell/node-pty',
  '@noble/post-quantum/ml-kem.js',
  'commander',
  'pino',
  'ws',
  'zod',
];

/** Node with the executor's libraries imported and nothing else, idle; `ready` is its ready line. */
export function spawnLibraryFloor(): Promise<Child> {
  const source = `${EXECUTOR_LIBRARIES.map((name) => `await import('${name}');`).join(' ')}
    console.log('ready'); setInterval(() => {}, 1 << 30);`;
  return start(['--input-type=module', '-e', source], /ready/);
}

/** The raw ws baseline peer; `ready` is its URL. */
export function spawnRawWsPeer(): Promise<Child> {
  return start([RAW_WS_PEER], /ws:\/\/127\.0\.0\.1:\d+/);
}
