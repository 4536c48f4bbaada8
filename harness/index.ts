import { defaultReconnectPolicy } from './backoff.ts';
import { HarnessClient } from './client.ts';
import type { ConnectOptions } from './connect-options.ts';
import type { Connector } from './connector.ts';
import { localConnector } from './local-connector.ts';
import { OutputBacklog } from './output-backlog.ts';
import { relayConnector } from './relay-connector.ts';
import { Session } from './session.ts';

/**
 * Connects to an executor and opens a session. Both modes give the same
 * client; reconnects and session resume happen inside it.
 * Throws HarnessConnectError (or the rendezvous' RendezvousRejectedError /
 * RendezvousError) when the first connection cannot be made.
 */
export async function connect(options: ConnectOptions): Promise<HarnessClient> {
  const backlog = new OutputBacklog(options.outputBuffer);
  const connector: Connector = 'url' in options ? localConnector(options.url) : await relayConnector(options);
  try {
    const session = await Session.open(connector, {
      clientName: options.clientName ?? 'relaykit-harness',
      reconnect: { ...defaultReconnectPolicy, ...options.reconnect },
      firstAnswerTimeoutMs: options.firstAnswerTimeoutMs ?? 20_000,
    });
    return new HarnessClient(session, backlog);
  } catch (err) {
    await connector.close();
    throw err;
  }
}

export type { ReconnectPolicy } from './backoff.ts';
export type { ExecOptions, RunOptions, RunResult } from './client.ts';
export { HarnessClient } from './client.ts';
export type {
  CommonConnectOptions,
  ConnectOptions,
  LocalConnectOptions,
  RelayConnectOptions,
} from './connect-options.ts';
export {
  ClientClosedError,
  ConnectionLostError,
  HarnessConnectError,
  OutputGapError,
  ProcessWriteError,
  RpcError,
  SessionExpiredError,
} from './errors.ts';
export {
  DEFAULT_OUTPUT_HIGH_WATER_BYTES,
  DEFAULT_OUTPUT_LOW_WATER_BYTES,
  OutputBacklog,
  type OutputBufferOptions,
} from './output-backlog.ts';
export type { ExitStatus } from './output-sequencer.ts';
export type { ProcessOutput } from './process-handle.ts';
export { ProcessHandle } from './process-handle.ts';
export { RendezvousError, RendezvousRejectedError, requestConnectUrl } from './rendezvous.ts';
export { RpcClient } from './rpc-client.ts';
