import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import {
  type ConnectionState,
  connectRelay,
  FatalConnectError,
  type MessageStream,
  type RelayEndpoint,
} from '../../endpoint/index.ts';
import { streamTransport } from '../../rpc/index.ts';
import { pollUntil } from '../../sim/poll.ts';
import { patterned } from './helpers.ts';
import { ManualClock } from './manual-clock.ts';

/** A stand-in rendezvous: forwards binary frames between one executor and one harness socket, and can kill both. */
class TinyRelay {
  readonly server: WebSocketServer;
  #executor: WebSocket | undefined;
  #harness: WebSocket | undefined;
  connections = 0;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (ws, req) => {
      this.connections += 1;
      const role = new URL(req.url ?? '/', 'http://x').searchParams.get('role');
      if (role === 'executor') this.#executor = ws;
      else this.#harness = ws;
      ws.on('message', (data, isBinary) => {
        const to = role === 'executor' ? this.#harness : this.#executor;
        if (to?.readyState === WebSocket.OPEN) to.send(data as Buffer, { binary: isBinary });
      });
    });
  }

  static async start(autoPong = true): Promise<TinyRelay> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0, autoPong });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    return new TinyRelay(server);
  }

  url(role: string): string {
    return `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}/?role=${role}`;
  }

  sendText(role: string, text: string): void {
    (role === 'executor' ? this.#executor : this.#harness)?.send(text);
  }

  killAll(): void {
    for (const ws of this.server.clients) ws.terminate();
  }

  close(): Promise<void> {
    this.killAll();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function until(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  return pollUntil('a condition', condition, timeoutMs, 5);
}

const fast = {
  backoff: { initialMs: 20, maxMs: 200 },
  stream: {
    rto: { mode: 'adaptive' as const, initialMs: 200, minMs: 50, maxMs: 1000 },
    segmentBytes: 16 * 1024,
  },
};

let relay: TinyRelay | undefined;
const endpoints: RelayEndpoint[] = [];

afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
  await relay?.close();
  relay = undefined;
});

function endpoint(
  role: 'executor' | 'harness',
  resolveUrl?: () => Promise<string>,
  keepalive?: { pingIntervalMs: number; pongTimeoutMs: number },
): RelayEndpoint {
  const r = relay as TinyRelay;
  const e = connectRelay({ role, resolveUrl: resolveUrl ?? (async () => r.url(role)), keepalive, ...fast });
  endpoints.push(e);
  return e;
}

describe('ws relay endpoint', () => {
  it('resumes after repeated socket kills and delivers every message exactly once, in order, both ways', async () => {
    relay = await TinyRelay.start();
    const executor = endpoint('executor');
    const harness = endpoint('harness');
    const atExecutor: Uint8Array[] = [];
    executor.onStream((stream) => {
      stream.onMessage((m) => {
        atExecutor.push(m);
        stream.send(m);
      });
    });
    await until(() => executor.connectionState === 'open' && harness.connectionState === 'open');

    const messages = Array.from({ length: 120 }, (_, i) => patterned(i % 10 === 0 ? 100_000 : 1 + i * 37, i));
    const echoed: Uint8Array[] = [];
    const stream = harness.openStream();
    let kills = 0;
    stream.onMessage((m) => {
      echoed.push(m);
      // Kill every socket as the 25th, 50th and 75th echo arrives: mid-transfer, however fast it runs.
      if (echoed.length === (kills + 1) * 25 && kills < 3) {
        (relay as TinyRelay).killAll();
        kills += 1;
      }
    });
    let next = 0;
    const pump = () => {
      while (next < messages.length && stream.writable) stream.send(messages[next++] as Uint8Array);
    };
    stream.onWritable(pump);
    pump();

    while (echoed.length < messages.length) {
      await new Promise((r) => setTimeout(r, 5));
      pump();
      if (relay.connections > 50) throw new Error('reconnect storm');
    }
    expect(kills).toBe(3);
    await new Promise((r) => setTimeout(r, 100));
    expect(atExecutor.length).toBe(messages.length);
    expect(echoed.length).toBe(messages.length);
    messages.forEach((m, i) => {
      expect(Buffer.from(atExecutor[i] as Uint8Array).equals(Buffer.from(m))).toBe(true);
      expect(Buffer.from(echoed[i] as Uint8Array).equals(Buffer.from(m))).toBe(true);
    });
    expect(stream.state).toBe('open');
  });

  it('calls resolveUrl before every connect and stops with the error on a FatalConnectError', async () => {
    relay = await TinyRelay.start();
    let calls = 0;
    const states: Array<[ConnectionState, string | undefined]> = [];
    const r = relay;
    const harness = endpoint('harness', async () => {
      calls += 1;
      if (calls >= 3) throw new FatalConnectError('token rejected');
      return r.url('harness');
    });
    harness.onConnectionState((state, error) => states.push([state, error?.message]));
    await until(() => harness.connectionState === 'open');
    r.killAll();
    await until(() => calls >= 2 && harness.connectionState === 'open');
    r.killAll();
    await until(() => harness.connectionState === 'closed');
    expect(states.at(-1)).toEqual(['closed', 'token rejected']);
    expect(calls).toBe(3);
  });

  it('carries JSON messages through a stream transport and reports the peer reset as close', async () => {
    relay = await TinyRelay.start();
    const executor = endpoint('executor');
    const harness = endpoint('harness');
    let serverSide: MessageStream | undefined;
    const received: string[] = [];
    executor.onStream((stream) => {
      serverSide = stream;
      stream.onMessage((m) => received.push(new TextDecoder().decode(m)));
    });
    await until(() => executor.connectionState === 'open' && harness.connectionState === 'open');
    const transport = streamTransport(harness.openStream('transport-1'));
    const closes: string[] = [];
    transport.onClose((reason) => closes.push(reason));
    expect(transport.writable).toBe(true);
    transport.send({ id: 1, method: 'initialize', params: { clientName: 'ünï' } });
    await until(() => received.length === 1);
    expect(JSON.parse(received[0] as string)).toEqual({
      id: 1,
      method: 'initialize',
      params: { clientName: 'ünï' },
    });
    serverSide?.reset('session_expired');
    await until(() => closes.length === 1);
    expect(closes).toEqual(['session_expired']);
  });

  it('answers a stream unknown to the executor with reset unknown_stream', async () => {
    relay = await TinyRelay.start();
    const executor = endpoint('executor');
    const harness = endpoint('harness');
    await until(() => executor.connectionState === 'open' && harness.connectionState === 'open');
    const raw = new WebSocket(relay.url('harness'));
    await new Promise((resolve) => raw.once('open', resolve));
    const answers: Buffer[] = [];
    raw.on('message', (d) => answers.push(d as Buffer));
    // heartbeat (field 9) for stream "zz"
    raw.send(Uint8Array.of(0x08, 0x01, 0x12, 0x02, 0x7a, 0x7a, 0x4a, 0x00), { binary: true });
    await until(() => answers.length > 0);
    expect(answers[0]?.toString('latin1')).toContain('unknown_stream');
    raw.terminate();
  });

  it('declares a socket dead when pongs stop, and reconnects', async () => {
    relay = await TinyRelay.start(false);
    const harness = endpoint('harness', undefined, { pingIntervalMs: 30, pongTimeoutMs: 100 });
    const states: ConnectionState[] = [];
    harness.onConnectionState((state) => states.push(state));
    await until(() => relay !== undefined && relay.connections >= 2);
    expect(states).toContain('connecting');
  });

  it('waits its backoff on the injected clock before reconnecting, and starts over after a stable connection', async () => {
    relay = await TinyRelay.start();
    const clock = new ManualClock();
    const harness = connectRelay({
      role: 'harness',
      resolveUrl: async () => (relay as TinyRelay).url('harness'),
      clock,
      // random 0: each delay is the lower half of its ceiling, 500 ms then 1000 ms.
      backoff: { initialMs: 1000, maxMs: 30_000, stableMs: 10_000, random: () => 0 },
    });
    endpoints.push(harness);
    await until(() => harness.connectionState === 'open');

    relay.killAll();
    await until(() => harness.connectionState === 'connecting');
    clock.advance(499);
    await new Promise((r) => setTimeout(r, 50));
    expect(relay.connections).toBe(1);
    clock.advance(1);
    await until(() => harness.connectionState === 'open' && relay?.connections === 2);

    relay.killAll(); // after 0 ms up: the next delay doubles
    await until(() => harness.connectionState === 'connecting');
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 50));
    expect(relay.connections).toBe(2);
    clock.advance(1);
    await until(() => harness.connectionState === 'open' && relay?.connections === 3);

    clock.advance(10_000); // stable: the next delay starts over at 500 ms
    relay.killAll();
    await until(() => harness.connectionState === 'connecting');
    clock.advance(500);
    await until(() => harness.connectionState === 'open' && relay?.connections === 4);
  });

  it('declares a socket dead on the injected clock when no pong comes within the timeout', async () => {
    relay = await TinyRelay.start(false);
    const clock = new ManualClock();
    const harness = connectRelay({
      role: 'harness',
      resolveUrl: async () => (relay as TinyRelay).url('harness'),
      clock,
      keepalive: { pingIntervalMs: 1000, pongTimeoutMs: 2500 },
      backoff: { initialMs: 100, random: () => 0 },
    });
    endpoints.push(harness);
    await until(() => harness.connectionState === 'open');
    clock.advance(2000); // two pings, 2 s without a pong: still alive
    await new Promise((r) => setTimeout(r, 50));
    expect(harness.connectionState).toBe('open');
    clock.advance(1000); // 3 s without a pong
    await until(() => harness.connectionState === 'connecting');
    clock.advance(50);
    await until(() => harness.connectionState === 'open' && relay?.connections === 2);
  });

  it('closes a socket that carries a text message and reconnects', async () => {
    relay = await TinyRelay.start();
    const executor = endpoint('executor');
    await until(() => executor.connectionState === 'open');
    relay.sendText('executor', 'not a frame');
    await until(() => relay !== undefined && relay.connections >= 2 && executor.connectionState === 'open');
  });
});
