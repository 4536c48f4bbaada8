import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { connectRelay, type MessageStream, type RelayEndpoint } from '../../endpoint/index.ts';
import { encodeFrame } from '../../proto/codec/index.ts';
import { pollUntil } from '../../sim/poll.ts';
import { decoded } from '../../sim/raw/frames.ts';
import { bytes, data } from './helpers.ts';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** An executor endpoint whose only peer is the returned socket, which plays a legacy harness. */
async function executorWithPeer(): Promise<{
  endpoint: RelayEndpoint;
  peer: WebSocket;
  received: Uint8Array[];
}> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  const connected = once(server, 'connection') as Promise<[WebSocket]>;
  const endpoint = connectRelay({
    resolveUrl: async () => `ws://127.0.0.1:${(server.address() as AddressInfo).port}`,
    role: 'executor',
  });
  cleanups.push(() => endpoint.close());
  const [peer] = await connected;
  const received: Uint8Array[] = [];
  peer.on('message', (frame: Buffer) => received.push(new Uint8Array(frame)));
  return { endpoint, peer, received };
}

describe('legacy streams on a live socket', () => {
  it('stops taking messages while the socket is backed up, says so once it drains, and loses nothing', async () => {
    const { endpoint, peer, received } = await executorWithPeer();
    const opened = new Promise<MessageStream>((resolve) => endpoint.onStream(resolve));
    peer.send(encodeFrame(data('legacy-1', 0, bytes(0x7b, 0x7d))));
    const stream = await opened;
    expect(stream.kind).toBe('legacy');

    peer.pause();
    const message = new Uint8Array(256 * 1024).fill(7);
    let sent = 0;
    while (stream.writable) {
      stream.send(message);
      sent += 1;
      if (sent > 1024) throw new Error('the socket never backed up');
    }
    const writable = new Promise<void>((resolve) => stream.onWritable(resolve));
    peer.resume();
    await writable;
    expect(stream.writable).toBe(true);
    await pollUntil('every frame at the peer', () => received.length === sent, 20_000, 5);
    const seqs = received.map((frame) => {
      const body = decoded(frame).body;
      return body.case === 'data' && body.value.payload.length === message.length ? body.value.seq : -1;
    });
    expect(seqs).toEqual(Array.from({ length: sent }, (_, i) => i));
  });
});
