/**
 * The whole relay on loopback, the way users run it, with the fault proxy in
 * the middle: the rendezvous worker under Miniflare, a seeded fault proxy in
 * front of it, a real `relaykit executor` process registered through the
 * proxy, and harness clients that reach the rendezvous through the proxy too.
 *
 *   harness ⇄ proxy ⇄ worker (Durable Object) ⇄ proxy ⇄ executor process
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectRelayOptions } from '../endpoint/index.ts';
import { type FaultProxy, type FaultSettings, startFaultProxy } from '../faults/index.ts';
import type { ReconnectPolicy } from '../harness/backoff.ts';
import { connect, type HarnessClient, openRelaySocket, type SharedRelaySocket } from '../harness/index.ts';
import { type ExecutorProcess, spawnExecutor } from './executor-process.ts';
import { createFrameTap, type FrameTap } from './frame-tap.ts';
import { pollUntil } from './poll.ts';
import { descendantsOf, type ProcessInfo, processesWithMarker } from './processes.ts';
import { TimelineRecorder } from './timeline/recorder.ts';
import { type MintTokenOptions, startWorker, type WorkerUnderTest } from './worker-runner.ts';

/**
 * Endpoint tuning for runs with injected faults, on both sides: reconnect
 * within tens of ms, notice a dead (half-open) socket within a second, and
 * cap the retransmission backoff at 2 s instead of 30 s so a frame lost
 * several times in a row stalls a stream for seconds, not half a minute.
 */
export const FAST_HARNESS_RELAY: Pick<ConnectRelayOptions, 'backoff' | 'keepalive' | 'stream'> = {
  backoff: { initialMs: 20, maxMs: 300 },
  keepalive: { pingIntervalMs: 250, pongTimeoutMs: 1000 },
  stream: { rto: { mode: 'adaptive', initialMs: 1000, minMs: 200, maxMs: 2000 } },
};
export const FAST_EXECUTOR_ARGS: readonly string[] = [
  '--reconnect-initial-ms',
  '50',
  '--reconnect-max-ms',
  '300',
  '--ping-interval-ms',
  '250',
  '--pong-timeout-ms',
  '1000',
  '--rto-max-ms',
  '2000',
];
export const FAST_HARNESS_RECONNECT: Partial<ReconnectPolicy> = {
  initialDelayMs: 20,
  maxDelayMs: 300,
  giveUpAfterMs: 60_000,
};

export interface StackOptions {
  /** Seeds the fault proxy; every fault decision replays from it. */
  seed: number;
  executorId?: string;
  /** `relaykit executor` flags after the registry ones (default FAST_EXECUTOR_ARGS). */
  executorArgs?: readonly string[];
  executorLogLevel?: string;
  /** Worker vars (see worker/config.ts). */
  workerVars?: Record<string, string>;
  /** Initial faults on both directions (default none). */
  faults?: Partial<FaultSettings>;
  /** Count the frames the endpoints send (retransmissions, resets) as the proxy receives them. */
  tap?: boolean;
  /** Record every frame, socket, fault and deploy for a timeline page (implies `tap`). */
  timeline?: boolean;
}

export interface HarnessOptions {
  token?: string;
  relay?: Pick<ConnectRelayOptions, 'stream' | 'keepalive' | 'backoff'>;
  reconnect?: Partial<ReconnectPolicy>;
}

/** One harness socket of the stack; its clients use the stack's fast reconnect settings. */
export interface SharedStackSocket {
  client(): Promise<HarnessClient>;
  /** The socket's counters (SharedRelaySocket.stats). */
  stats(): ReturnType<SharedRelaySocket['stats']>;
  close(): Promise<void>;
}

export interface Stack {
  readonly seed: number;
  readonly executorId: string;
  readonly worker: WorkerUnderTest;
  readonly proxy: FaultProxy;
  /** Present with `tap: true` or `timeline: true`. */
  readonly tap: FrameTap | undefined;
  /** Present with `timeline: true`. */
  readonly timeline: TimelineRecorder | undefined;
  /** The registry URL both endpoints use: the proxy's. */
  readonly registryUrl: string;
  readonly executor: ExecutorProcess;
  /** A string unique to this stack, for command lines that `ps` should be able to find. */
  readonly marker: string;
  harnessToken(opts?: MintTokenOptions): Promise<string>;
  /** A harness library client through the proxy (one socket, one stream). */
  harness(opts?: HarnessOptions): Promise<HarnessClient>;
  /** One harness socket through the proxy that carries a stream per client. */
  sharedSocket(opts?: HarnessOptions): Promise<SharedStackSocket>;
  /**
   * Evicts the executor's Durable Object (sockets hibernate). Miniflare
   * refuses while a request is inside the object, so this retries briefly.
   */
  evictDurableObject(): Promise<void>;
  /** Polls until the rendezvous reports the executor's socket open. */
  executorConnected(timeoutMs?: number): Promise<void>;
  /** Live processes below the executor. */
  executorChildren(): Promise<ProcessInfo[]>;
  /** Waits until the executor has no child processes left; throws naming them after `timeoutMs`. */
  noExecutorChildren(timeoutMs?: number): Promise<void>;
  /** Closes clients, stops the executor, proxy and worker; throws if a process carrying the marker survives. */
  dispose(): Promise<void>;
}

export async function startStack(options: StackOptions): Promise<Stack> {
  const executorId = options.executorId ?? `sim-${randomBytes(4).toString('hex')}`;
  const marker = `relaykit-mark-${randomBytes(6).toString('hex')}`;
  const worker = await startWorker({ vars: options.workerVars });
  const clients = new Set<{ close(): Promise<void> }>();
  const timeline = options.timeline ? new TimelineRecorder() : undefined;
  const tap = options.tap || timeline ? createFrameTap(timeline?.frame) : undefined;
  let proxy: FaultProxy | undefined;
  let executor: ExecutorProcess | undefined;
  try {
    proxy = await startFaultProxy({
      target: worker.url,
      seed: options.seed,
      faults: options.faults,
      onFrame: tap?.observe,
      onEvent: timeline?.proxyEvent,
    });
    executor = await spawnExecutor({
      registryUrl: proxy.httpUrl,
      executorId,
      token: await worker.mintToken('executor', executorId),
      args: options.executorArgs ?? FAST_EXECUTOR_ARGS,
      logLevel: options.executorLogLevel,
    });
  } catch (err) {
    await proxy?.close();
    await worker.dispose();
    throw err;
  }
  const readyProxy = proxy;
  const registryUrl = proxy.httpUrl;
  const readyExecutor = executor;

  const track = <T extends { close(): Promise<void> }>(client: T): T => {
    clients.add(client);
    const close = client.close.bind(client);
    client.close = () => {
      clients.delete(client);
      return close();
    };
    return client;
  };

  const stack: Stack = {
    seed: options.seed,
    executorId,
    worker,
    proxy: readyProxy,
    tap,
    timeline,
    registryUrl,
    executor: readyExecutor,
    marker,
    harnessToken: (opts) => worker.mintToken('harness', executorId, opts),
    async harness(opts = {}) {
      const client = await connect({
        registryUrl,
        executorId,
        token: opts.token ?? (await stack.harnessToken()),
        relay: { ...FAST_HARNESS_RELAY, ...opts.relay },
        reconnect: { ...FAST_HARNESS_RECONNECT, ...opts.reconnect },
      });
      return track(client);
    },
    async sharedSocket(opts = {}) {
      const socket: SharedRelaySocket = await openRelaySocket({
        registryUrl,
        executorId,
        token: opts.token ?? (await stack.harnessToken()),
        relay: { ...FAST_HARNESS_RELAY, ...opts.relay },
      });
      const reconnect = { ...FAST_HARNESS_RECONNECT, ...opts.reconnect };
      const shared: SharedStackSocket = {
        client: () => socket.client({ clientName: 'relaykit-sim', reconnect }),
        stats: () => socket.stats(),
        close: () => socket.close(),
      };
      return track(shared);
    },
    async evictDurableObject() {
      let lastError: unknown;
      for (let attempt = 0; attempt < 50; attempt++) {
        try {
          await worker.evictDurableObject(executorId);
          timeline?.deploy();
          return;
        } catch (err) {
          lastError = err;
          await sleep(20);
        }
      }
      timeline?.deploy(true);
      throw lastError;
    },
    executorConnected: (timeoutMs = 20_000) =>
      pollUntil(
        'the executor socket at the rendezvous',
        async () => (await worker.stats(executorId)).sockets.executor === 1,
        timeoutMs,
      ),
    executorChildren: () => descendantsOf(readyExecutor.pid),
    async noExecutorChildren(timeoutMs = 20_000) {
      let left: ProcessInfo[] = [];
      try {
        await pollUntil(
          'the executor to have no child processes',
          async () => {
            left = await descendantsOf(readyExecutor.pid);
            return left.length === 0;
          },
          timeoutMs,
        );
      } catch {
        throw new Error(`executor still has children: ${left.map((p) => `${p.pid} ${p.args}`).join('; ')}`);
      }
    },
    async dispose() {
      await Promise.allSettled([...clients].map((c) => c.close()));
      await readyExecutor.stop();
      await readyProxy.close();
      await worker.dispose();
      let left: ProcessInfo[] = [];
      await pollUntil(
        'processes of this run to exit',
        async () => {
          left = await processesWithMarker(marker);
          return left.length === 0;
        },
        10_000,
      ).catch(() => {
        throw new Error(`processes left behind: ${left.map((p) => `${p.pid} ${p.args}`).join('; ')}`);
      });
    },
  };
  await stack.executorConnected();
  return stack;
}
