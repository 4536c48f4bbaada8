import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { maskOptionFor } from '../../endpoint/ws/masking.ts';
import type { RpcTransport } from '../../rpc/index.ts';
import { ENCODED_JSON, wsTextTransport } from '../../rpc/index.ts';
import { pollUntil } from '../../sim/poll.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  return pollUntil(what, check, timeoutMs, 5);
}

/** A server-side transport (as the executor has) and a raw client socket to it. */
async function pair(highWaterBytes?: number): Promise<{ transport: RpcTransport; client: WebSocket }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of server.clients) c.terminate();
        server.close(() => resolve());
      }),
  );
  const accepted = new Promise<RpcTransport>((resolve) =>
    server.once('connection', (ws) => resolve(wsTextTransport(ws, { highWaterBytes }))),
  );
  const client = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, {
    perMessageDeflate: false,
  });
  cleanups.push(async () => client.terminate());
  await new Promise<void>((resolve, reject) => {
    client.once('open', () => resolve());
    client.once('error', reject);
  });
  return { transport: await accepted, client };
}

describe('local-mode text transport, sending side', () => {
  it('sends a message carrying its own JSON text as exactly that text frame', async () => {
    const { transport, client } = await pair();
    const received: { text: string; binary: boolean }[] = [];
    client.on('message', (data, isBinary) => received.push({ text: data.toString(), binary: isBinary }));
    const text =
      '{"method":"process/output","params":{"processId":"ü","seq":1,"stream":"stdout","chunk":"AA=="}}';
    // The carried text is what goes out, not a serialization of the other fields.
    transport.send({ ignored: true, [ENCODED_JSON]: text });
    transport.send({ id: 2, result: { ok: true } });
    await until(() => received.length === 2, 'both messages');
    expect(received).toEqual([
      { text, binary: false },
      { text: '{"id":2,"result":{"ok":true}}', binary: false },
    ]);
  });

  it('reports itself backed up while the peer does not read and fires onWritable once it drained', async () => {
    const { transport, client } = await pair(64 * 1024);
    let writableEvents = 0;
    transport.onWritable(() => writableEvents++);
    let received = 0;
    client.on('message', () => received++);
    client.pause();
    const message = { chunk: 'x'.repeat(256 * 1024) };
    let sent = 0;
    // Fills the kernel's socket buffers; the transport then holds the rest.
    while (transport.writable && sent < 4096) {
      transport.send(message);
      sent++;
    }
    expect(transport.writable).toBe(false);
    expect(writableEvents).toBe(0);
    client.resume();
    await until(() => writableEvents > 0, 'the writable event');
    expect(transport.writable).toBe(true);
    await until(() => received === sent, 'every message');
    expect(writableEvents).toBe(1);
  });
});

describe('relay client masking', () => {
  it('uses all-zero masks on loopback only, random ones for anything that leaves the machine', () => {
    for (const url of ['ws://127.0.0.1:9/ws', 'ws://[::1]:9/', 'ws://localhost:1']) {
      const generate = maskOptionFor(url).generateMask;
      expect(generate, url).toBeTypeOf('function');
      const mask = Buffer.from([1, 2, 3, 4]);
      generate?.(mask);
      expect([...mask]).toEqual([0, 0, 0, 0]);
    }
    for (const url of [
      'wss://relay.example.com/ws',
      'ws://relay.example.com/ws',
      'ws://10.0.0.1/',
      'not a url',
    ]) {
      expect(maskOptionFor(url).generateMask, url).toBeUndefined();
    }
  });
});
