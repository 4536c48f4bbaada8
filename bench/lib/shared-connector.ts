/**
 * Many harness sessions over few sockets: one relay endpoint (one WebSocket
 * to the rendezvous) carries a fresh stream per session, the way one harness
 * process would multiplex its sessions. The harness library's own `connect`
 * opens one socket per client.
 */
import { connectRelay, streamTransport } from '../../endpoint/index.ts';
import { defaultReconnectPolicy } from '../../harness/backoff.ts';
import { HarnessClient } from '../../harness/client.ts';
import type { Connector } from '../../harness/connector.ts';
import { requestConnectUrl } from '../../harness/rendezvous.ts';
import { Session } from '../../harness/session.ts';

export interface SharedSocket {
  /** Opens a new session (and stream) on this socket. */
  openClient(): Promise<HarnessClient>;
  close(): Promise<void>;
}

export function sharedSocket(registryUrl: string, executorId: string, token: string): SharedSocket {
  const target = { registryUrl, executorId, token };
  const endpoint = connectRelay({ role: 'harness', resolveUrl: () => requestConnectUrl(target) });
  const connector: Connector = {
    target: `executor ${executorId} via ${registryUrl}`,
    async open() {
      const stream = endpoint.openStream();
      return { transport: streamTransport(stream), streamId: stream.streamId };
    },
    onFatal: () => () => undefined,
    // A session's close ends its stream only; the socket is closed by its owner.
    close: async () => undefined,
  };
  return {
    async openClient() {
      const session = await Session.open(connector, {
        clientName: 'relaykit-bench',
        reconnect: defaultReconnectPolicy,
        firstAnswerTimeoutMs: 60_000,
      });
      return new HarnessClient(session);
    },
    close: () => endpoint.close(),
  };
}
