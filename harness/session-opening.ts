import { setTimeout as sleep } from 'node:timers/promises';
import { jitteredDelay } from '../endpoint/index.ts';
import { CAPACITY_REFUSALS } from '../proto/reset-reasons.ts';
import { INITIALIZED_NOTIFICATION } from '../proto/rpc/index.ts';
import { RpcClient } from '../rpc/index.ts';
import type { Connector } from './connector.ts';
import { ConnectionLostError, HarnessConnectError } from './errors.ts';

/** Backoff between attempts at a stream the executor or the rendezvous had no room for. */
const ROOM_RETRY_MS = { initial: 100, max: 2000 };

export interface OpenedSession {
  rpc: RpcClient;
  sessionId: string;
  streamId: string | undefined;
}

/** The connector's fatal error: a promise that rejects with it, and the error once there is one. */
function fatalOf(connector: Connector): {
  fatal: Promise<never>;
  error: () => Error | undefined;
  stop: () => void;
} {
  let stop = () => {};
  let error: Error | undefined;
  const fatal = new Promise<never>((_, reject) => {
    stop = connector.onFatal((fatalError) => {
      error = fatalError;
      reject(fatalError);
    });
  });
  fatal.catch(() => {});
  return { fatal, error: () => error, stop };
}

/**
 * Opens the first connection of a session and initializes it. A stream
 * refused for want of room (the executor's or the rendezvous' stream
 * limits) is tried again with backoff for up to `firstAnswerTimeoutMs`
 * from the first refusal; a connector that can never connect (a rendezvous
 * at its socket limit) fails it at once with its own error.
 */
export async function openSession(
  connector: Connector,
  options: { clientName: string; firstAnswerTimeoutMs: number },
): Promise<OpenedSession> {
  const { fatal, error: fatalError, stop } = fatalOf(connector);
  let refusedSince: number | undefined;
  try {
    for (let attempt = 0; ; attempt++) {
      const connection = await Promise.race([connector.open(), fatal]);
      const rpc = new RpcClient(connection.transport);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const waited = `did not answer initialize within ${options.firstAnswerTimeoutMs} ms`;
          reject(new HarnessConnectError(`${connector.target} ${waited} (is the executor running?)`, false));
        }, options.firstAnswerTimeoutMs);
      });
      try {
        const initialize = rpc.request('initialize', {
          clientName: options.clientName,
          resumeSessionId: null,
        });
        const { sessionId } = await Promise.race([initialize, timeout, fatal]);
        rpc.notify(INITIALIZED_NOTIFICATION, {});
        return { rpc, sessionId, streamId: connection.streamId };
      } catch (err) {
        rpc.close('initialize_failed');
        // The connector gave up (its streams ended with it): its reason is the one to tell.
        if (!(err instanceof ConnectionLostError)) throw err;
        const gaveUp = fatalError();
        if (gaveUp !== undefined) throw gaveUp;
        const reason = rpc.closedReason ?? err.reason;
        if (!CAPACITY_REFUSALS.has(reason)) {
          throw new HarnessConnectError(
            `${connector.target}: connection ended during initialize (${reason})`,
            true,
          );
        }
        refusedSince ??= performance.now();
        if (performance.now() - refusedSince >= options.firstAnswerTimeoutMs) {
          const waited = `had no room for another stream for ${options.firstAnswerTimeoutMs} ms`;
          throw new HarnessConnectError(`${connector.target} ${waited} (${reason})`, true);
        }
      } finally {
        clearTimeout(timer);
      }
      await sleep(jitteredDelay(ROOM_RETRY_MS.initial, ROOM_RETRY_MS.max, attempt, Math.random()));
    }
  } finally {
    stop();
  }
}
