import { describe, expect, it } from 'vitest';
import { StreamClosedError } from '../../endpoint/index.ts';
import { ConnectionLostError, RpcError } from '../../harness/errors.ts';
import { RpcErrorCode } from '../../proto/rpc/index.ts';
import type { RpcTransport } from '../../rpc/index.ts';
import { RpcClient } from '../../rpc/index.ts';

/** An in-memory transport: records what the client sends and lets the test answer. */
function fakeTransport() {
  const sent: Record<string, unknown>[] = [];
  const messageListeners = new Set<(message: Uint8Array) => void>();
  const closeListeners = new Set<(reason: string) => void>();
  let closed = false;
  const transport: RpcTransport = {
    send(message) {
      if (closed) throw new Error('transport closed');
      sent.push(message as Record<string, unknown>);
      return JSON.stringify(message).length;
    },
    writable: true,
    onWritable: () => () => {},
    pauseReceiving() {},
    resumeReceiving() {},
    onMessage(listener) {
      messageListeners.add(listener);
      return () => messageListeners.delete(listener);
    },
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
    close(reason = 'closed') {
      closed = true;
      for (const l of closeListeners) l(reason);
    },
  };
  return {
    transport,
    sent,
    deliver(message: object) {
      for (const l of messageListeners) l(Buffer.from(JSON.stringify(message)));
    },
    deliverText(text: string) {
      for (const l of messageListeners) l(Buffer.from(text));
    },
    dropConnection(reason: string) {
      closed = true;
      for (const l of closeListeners) l(reason);
    },
  };
}

describe('RpcClient', () => {
  it('matches answers to requests by id, whatever order they come in', async () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const first = client.request('environment/info', undefined);
    const second = client.request('process/terminate', { processId: 'p' });
    expect(t.sent).toEqual([
      { id: 1, method: 'environment/info' },
      { id: 2, method: 'process/terminate', params: { processId: 'p' } },
    ]);
    t.deliver({ id: 2, result: { running: false } });
    t.deliver({
      id: 1,
      result: { shell: { name: 'sh', path: '/bin/sh' }, cwd: '/', platform: 'linux', capabilities: [] },
    });
    await expect(second).resolves.toEqual({ running: false });
    await expect(first).resolves.toMatchObject({ platform: 'linux' });
  });

  it('rejects with an RpcError that keeps the code, message and data', async () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const pending = client.request('fs/readFile', { path: '/missing' });
    t.deliver({
      id: 1,
      error: { code: RpcErrorCode.NotFound, message: 'no such file: /missing', data: { path: '/missing' } },
    });
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcError);
    expect(error).toMatchObject({
      code: -32004,
      message: 'no such file: /missing',
      data: { path: '/missing' },
    });
  });

  it('rejects every pending request when the transport closes, and later requests at once', async () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const a = client.request('process/read', { processId: 'p', waitMs: 1000 });
    const b = client.request('environment/info', undefined);
    t.dropConnection('socket lost');
    await expect(a).rejects.toBeInstanceOf(ConnectionLostError);
    await expect(b).rejects.toThrow(/socket lost.*environment\/info/);
    await expect(client.request('environment/info', undefined)).rejects.toBeInstanceOf(ConnectionLostError);
    expect(client.closedReason).toBe('socket lost');
  });

  it('dispatches notifications to every listener', () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const seen: unknown[] = [];
    client.onNotification(({ method, params }) => seen.push([method, params]));
    t.deliver({ method: 'process/closed', params: { processId: 'p', seq: 3 } });
    expect(seen).toEqual([['process/closed', { processId: 'p', seq: 3 }]]);
  });

  it('types each notification once and drops unknown methods and params of the wrong shape', () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const seen: unknown[] = [];
    client.onNotification((notification) => seen.push(notification));
    t.deliver({ method: 'process/exited', params: { processId: 'p', seq: 2, exitCode: 3 } });
    t.deliver({ method: 'process/output', params: { processId: 'p', seq: 0, stream: 'stdout', chunk: '' } });
    t.deliver({ method: 'process/output', params: { processId: 'p', seq: 1, stream: 'tty', chunk: '' } });
    t.deliver({ method: 'process/closed', params: { seq: 4 } });
    t.deliver({ method: 'executor/hello', params: {} });
    expect(seen).toEqual([
      { method: 'process/exited', params: { processId: 'p', seq: 2, exitCode: 3, signal: null } },
    ]);
  });

  it('ignores malformed input and answers requests from the executor with method not found', async () => {
    const t = fakeTransport();
    const client = new RpcClient(t.transport);
    const pending = client.request('environment/info', undefined);
    t.deliverText('{not json');
    t.deliver({ id: 'x', method: 'harness/ping' });
    expect(t.sent.at(-1)).toMatchObject({ id: 'x', error: { code: RpcErrorCode.MethodNotFound } });
    t.deliver({
      id: 1,
      result: { shell: { name: 'sh', path: '/bin/sh' }, cwd: '/', platform: 'linux', capabilities: [] },
    });
    await expect(pending).resolves.toMatchObject({ cwd: '/' });
  });

  it('reports a closed stream on send as a lost connection and any other send failure as itself', async () => {
    const reset = fakeTransport();
    reset.transport.send = () => {
      throw new StreamClosedError('s-1', 'unknown_stream');
    };
    await expect(
      new RpcClient(reset.transport).request('environment/info', undefined),
    ).rejects.toBeInstanceOf(ConnectionLostError);
    const tooLarge = fakeTransport();
    tooLarge.transport.send = () => {
      throw new RangeError('message of 70000000 bytes exceeds the maximum');
    };
    await expect(
      new RpcClient(tooLarge.transport).request('fs/writeFile', { path: '/x', dataBase64: '' }),
    ).rejects.toBeInstanceOf(RangeError);
  });

  it('sends notifications without an id', () => {
    const t = fakeTransport();
    new RpcClient(t.transport).notify('initialized');
    expect(t.sent).toEqual([{ method: 'initialized' }]);
  });
});
