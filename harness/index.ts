import { endpointMetricValues } from '../endpoint/index.ts';
import { defaultReconnectPolicy } from './backoff.ts';
import type { RelayStats } from './client.ts';
import { HarnessClient } from './client.ts';
import type { CommonConnectOptions, ConnectOptions } from './connect-options.ts';
import type { Connector } from './connector.ts';
import { localConnector } from './local-connector.ts';
import { OutputBacklog } from './output-backlog.ts';
import { RelaySocket, type RelayTarget } from './relay-socket.ts';
import { ResumableSession } from './resumable-session.ts';

const FIRST_ANSWER_TIMEOUT_MS = 20_000;

/** Opens a session over `connector`; the connector is closed if that fails. */
async function openClient(
  connector: Connector,
  options: CommonConnectOptions,
  relayStats?: () => RelayStats,
): Promise<HarnessClient> {
  const backlog = new OutputBacklog(options.outputBacklog);
  try {
    const session = await ResumableSession.open(connector, {
      clientName: options.clientName ?? 'relaykit-harness',
      reconnect: { ...defaultReconnectPolicy, ...options.reconnect },
      firstAnswerTimeoutMs: options.firstAnswerTimeoutMs ?? FIRST_ANSWER_TIMEOUT_MS,
    });
    return new HarnessClient(session, backlog, relayStats);
  } catch (err) {
    await connector.close();
    throw err;
  }
}

/**
 * Connects to an executor and opens a session. Both modes give the same
 * client; reconnects and session resume happen inside it. In relay mode the
 * client has a socket of its own (see `openRelaySocket` to share one).
 * Throws HarnessConnectError (or the rendezvous' RendezvousRejectedError /
 * RendezvousError) when the first connection cannot be made.
 */
export async function connect(options: ConnectOptions): Promise<HarnessClient> {
  if ('url' in options) return openClient(localConnector(options.url), options);
  // A secure stream's handshake gets the time the first answer gets.
  const handshakeTimeoutMs = options.firstAnswerTimeoutMs ?? FIRST_ANSWER_TIMEOUT_MS;
  const relay = { ...options.relay, stream: { handshakeTimeoutMs, ...options.relay?.stream } };
  const socket = await RelaySocket.open({ ...options, relay });
  return openClient(socket.connector(true), options, () => endpointMetricValues(socket.stats()));
}

/** One relay socket that carries a stream per client, as one harness process multiplexing its sessions. */
export interface SharedRelaySocket {
  /** A new client whose session runs on its own stream of this socket; closing it ends only that stream. */
  client(options?: CommonConnectOptions): Promise<HarnessClient>;
  /**
   * The socket's counters under the executor's metric names (see README,
   * Metrics): a number each, or a record per label value for the labelled ones.
   */
  stats(): RelayStats;
  /** Closes every stream and the socket. */
  close(): Promise<void>;
}

export async function openRelaySocket(target: RelayTarget): Promise<SharedRelaySocket> {
  const socket = await RelaySocket.open(target);
  const stats = () => endpointMetricValues(socket.stats());
  return {
    client: (options = {}) => openClient(socket.connector(false), options, stats),
    stats,
    close: () => socket.close(),
  };
}

export { SocketRefusedError } from '../endpoint/index.ts';
export { RendezvousError, RendezvousRejectedError, requestConnectUrl } from '../registry/index.ts';
export { RpcClient } from '../rpc/client.ts';
export { loadKeyFile, NoisePublicKey, StaticIdentity, saveKeyFile } from '../secure/index.ts';
export type { ReconnectPolicy } from './backoff.ts';
export type { ExecOptions, RelayStats, RunOptions, RunResult } from './client.ts';
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
  type OutputBacklogOptions,
} from './output-backlog.ts';
export type { ExitStatus } from './output-sequencer.ts';
export type { ProcessOutput } from './process-handle.ts';
export { ProcessHandle } from './process-handle.ts';
export { type RelaySecurity, RelaySecurityError, type RelaySecurityOptions } from './relay-security.ts';
export type { RelayTarget } from './relay-socket.ts';
