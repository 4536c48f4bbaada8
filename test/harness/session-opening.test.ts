import { describe, expect, it } from 'vitest';
import type { Connector, OpenedConnection } from '../../harness/connector.ts';
import { HarnessConnectError } from '../../harness/errors.ts';
import { openSession } from '../../harness/session-opening.ts';
import { FakeTransport } from '../executor/fake-transport.ts';

/** An executor that refuses the first `refusals` streams with `reason`, then opens a session. */
function connectorRefusing(refusals: number, reason: string) {
  const fatalListeners = new Set<(error: Error) => void>();
  let opened = 0;
  const connector: Connector & { opened(): number; giveUp(error: Error): void } = {
    target: 'executor e-1 via test',
    async open(): Promise<OpenedConnection> {
      const transport = new FakeTransport();
      const refused = opened++ < refusals;
      const send = transport.send.bind(transport);
      transport.send = (message) => {
        const sent = send(message);
        const { id, method } = message as { id?: number; method: string };
        if (method !== 'initialize') return sent;
        queueMicrotask(() => {
          if (refused) transport.close(reason);
          else transport.receive({ id, result: { sessionId: 'session-1' } });
        });
        return sent;
      };
      return { transport, streamId: `stream-${opened}` };
    },
    onFatal(listener) {
      fatalListeners.add(listener);
      return () => fatalListeners.delete(listener);
    },
    close: async () => {},
    opened: () => opened,
    giveUp: (error) => {
      for (const listener of fatalListeners) listener(error);
    },
  };
  return connector;
}

const options = { clientName: 'test', firstAnswerTimeoutMs: 5000 };

describe('opening a session', () => {
  it('tries a stream refused for want of room again, and gets a session once there is room', async () => {
    const connector = connectorRefusing(3, 'harness_stream_limit');
    const session = await openSession(connector, options);
    expect(session).toMatchObject({ sessionId: 'session-1', streamId: 'stream-4' });
    expect(connector.opened()).toBe(4);
  });

  it('fails at once on a stream that ended for another reason', async () => {
    const connector = connectorRefusing(1, 'session_expired');
    await expect(openSession(connector, options)).rejects.toThrow(
      'executor e-1 via test: connection ended during initialize (session_expired)',
    );
    expect(connector.opened()).toBe(1);
  });

  it('gives up naming the refusal once the executor had no room for as long as the first answer may take', async () => {
    const connector = connectorRefusing(Number.POSITIVE_INFINITY, 'stream_rate_limit');
    const failure = await openSession(connector, { ...options, firstAnswerTimeoutMs: 300 }).catch(
      (err) => err,
    );
    expect(failure).toBeInstanceOf(HarnessConnectError);
    expect(failure.message).toBe(
      'executor e-1 via test had no room for another stream for 300 ms (stream_rate_limit)',
    );
  });

  it("fails with the connector's own error when it gives up", async () => {
    const connector = connectorRefusing(0, '');
    const opening = openSession(
      { ...connector, open: () => new Promise<OpenedConnection>(() => {}) },
      options,
    );
    connector.giveUp(new Error('rendezvous refused the relay socket (429 too_many_harness_sockets)'));
    await expect(opening).rejects.toThrow(/429 too_many_harness_sockets/);
  });
});
