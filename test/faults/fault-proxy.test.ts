import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  connectionSeed,
  createPrng,
  type FaultProxy,
  type FaultProxyOptions,
  FramePlanner,
  normalizeFaults,
  startFaultProxy,
} from '../../faults/index.ts';
import { frame, indexOf, maxOvertakers } from './frames.ts';
import { openClient, type Recorder, startTarget, type Target, waitFor } from './loopback.ts';

const SEED = 20260721;
const PATH = '/cloud/executor/x/ws?role=executor&ticket=abc';

let target: Target;
let proxy: FaultProxy;
const clients: Recorder[] = [];

async function startProxy(extra: Partial<FaultProxyOptions> = {}): Promise<void> {
  proxy = await startFaultProxy({ target: target.origin, seed: SEED, ...extra });
}

async function connect(path = PATH): Promise<Recorder> {
  const client = await openClient(proxy.wsUrl + path);
  clients.push(client);
  await waitFor('the target to accept the proxied socket', () => target.sockets.length >= clients.length);
  return client;
}

function targetSocket(i = 0) {
  const socket = target.sockets[i];
  if (socket === undefined) throw new Error(`no target socket ${i}`);
  return socket;
}

/** Pings and reports whether the pong or the ping timeout came first (an endpoint's liveness check). */
function pingWithTimeout(ws: WebSocket, timeoutMs: number): Promise<'pong' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      ws.off('pong', onPong);
      resolve('timeout');
    }, timeoutMs);
    const onPong = (): void => {
      clearTimeout(timer);
      resolve('pong');
    };
    ws.once('pong', onPong);
    ws.ping();
  });
}

beforeEach(async () => {
  target = await startTarget();
});

afterEach(async () => {
  for (const client of clients.splice(0)) client.ws.terminate();
  await proxy?.close();
  await target.close();
});

describe('fault proxy plumbing', () => {
  it('connects each client to the same path and query on the target and tags it with its role', async () => {
    await startProxy();
    await connect();
    expect(targetSocket().path).toBe(PATH);
    expect(proxy.connections()).toEqual([{ id: 0, role: 'executor', path: PATH, state: 'open' }]);
    expect(proxy.stats().connections).toEqual({ opened: 1, active: 1, rejected: 0 });
  });

  it('keeps a path that looks like another host on the target', async () => {
    await startProxy();
    await connect('//elsewhere.example/x?role=harness');
    expect(targetSocket().path).toBe('//elsewhere.example/x?role=harness');
    expect(proxy.connections()[0]?.role).toBe('harness');
  });

  it('forwards binary frames unchanged and in order both ways when no faults are set', async () => {
    await startProxy();
    const client = await connect();
    const frames = Array.from({ length: 100 }, (_, i) => frame(i));
    for (const f of frames) client.ws.send(f);
    await waitFor('100 frames upstream', () => targetSocket().binary.length === 100);
    expect(targetSocket().binary).toEqual(frames);
    for (const f of frames) targetSocket().ws.send(f);
    await waitFor('100 frames downstream', () => client.binary.length === 100);
    expect(client.binary).toEqual(frames);
    expect(proxy.stats().upstream).toMatchObject({ seen: 100, forwarded: 100, dropped: 0 });
  });

  it('forwards text frames untouched even when every binary frame is dropped', async () => {
    await startProxy({ faults: { drop: 1, corrupt: 1 } });
    const client = await connect();
    client.ws.send(frame(0));
    client.ws.send('not a frame');
    await waitFor('the text frame', () => targetSocket().text.length === 1);
    expect(targetSocket().text).toEqual(['not a frame']);
    expect(targetSocket().binary).toEqual([]);
    expect(proxy.stats().upstream).toMatchObject({ seen: 1, dropped: 1, text: 1 });
  });

  it('replays a seed: drops exactly the frames the seeded plan drops and forwards the rest in order', async () => {
    await startProxy();
    proxy.setFaults('upstream', { drop: 0.2 });
    const client = await connect();
    const n = 500;
    for (let i = 0; i < n; i++) client.ws.send(frame(i));
    await waitFor('every frame to be seen', () => proxy.stats().upstream.seen === n);
    await waitFor(
      'the kept frames to arrive',
      () => targetSocket().binary.length === proxy.stats().upstream.forwarded,
    );

    const planner = new FramePlanner(createPrng(connectionSeed(SEED, 0, 'upstream')));
    const settings = normalizeFaults({ drop: 0.2 });
    const expected = Array.from({ length: n }, (_, i) => i).filter(
      (i) => !planner.plan(frame(i), settings).dropped,
    );
    expect(targetSocket().binary.map(indexOf)).toEqual(expected);
    expect(proxy.stats().upstream.dropped).toBe(n - expected.length);
    expect(expected.length).toBeGreaterThan(n * 0.7);
    expect(expected.length).toBeLessThan(n * 0.9);
  });

  it('shows onFrame every binary frame as sent, with its direction, role and fate', async () => {
    const seen: string[] = [];
    await startProxy({
      faults: { drop: 1 },
      onFrame: (bytes, direction, connection, fate) =>
        seen.push(
          `${direction} ${connection.role} ${indexOf(bytes)} ${fate === 'discarded' ? fate : fate.dropped}`,
        ),
    });
    const client = await connect();
    client.ws.send(frame(1));
    client.ws.send('text is not a frame');
    await waitFor('the upstream frame and text', () => proxy.stats().upstream.text === 1);
    targetSocket().ws.send(frame(2));
    await waitFor('the downstream frame', () => proxy.stats().downstream.seen === 1);
    proxy.blackhole(60_000);
    client.ws.send(frame(3));
    await waitFor('the blackholed frame', () => proxy.stats().upstream.blackholed === 1);
    expect(seen).toEqual([
      'upstream executor 1 true',
      'downstream executor 2 true',
      'upstream executor 3 discarded',
    ]);
    expect(targetSocket().binary).toEqual([]);
    expect(client.binary).toEqual([]);
  });

  it('duplicates frames in one direction only', async () => {
    await startProxy();
    proxy.setFaults('downstream', { duplicate: 1 });
    const client = await connect();
    for (let i = 0; i < 50; i++) targetSocket().ws.send(frame(i));
    await waitFor('100 copies downstream', () => client.binary.length === 100);
    expect(client.binary.map(indexOf)).toEqual(Array.from({ length: 50 }, (_, i) => [i, i]).flat());
    client.ws.send(frame(7));
    await waitFor('one frame upstream', () => targetSocket().binary.length === 1);
    expect(proxy.stats().downstream.duplicated).toBe(50);
    expect(proxy.stats().upstream.duplicated).toBe(0);
  });

  it('reorders frames, never letting more than reorderDistance later frames overtake one', async () => {
    await startProxy();
    proxy.setFaults('upstream', { reorder: 0.3, reorderDistance: 3, reorderMaxHoldMs: 20 });
    const client = await connect();
    const n = 300;
    for (let i = 0; i < n; i++) client.ws.send(frame(i));
    await waitFor('every frame to arrive', () => targetSocket().binary.length === n);
    const order = targetSocket().binary.map(indexOf);
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(proxy.stats().upstream.reordered).toBeGreaterThan(0);
    expect(maxOvertakers(order)).toBeGreaterThan(0);
    expect(maxOvertakers(order)).toBeLessThanOrEqual(3);
  });

  it('releases a held frame after reorderMaxHoldMs when no later frame comes', async () => {
    await startProxy();
    proxy.setFaults('upstream', { reorder: 1, reorderDistance: 8, reorderMaxHoldMs: 30 });
    const client = await connect();
    client.ws.send(frame(0));
    await waitFor('the held frame', () => targetSocket().binary.length === 1);
    expect(targetSocket().binary).toEqual([frame(0)]);
  });

  it('corrupts frames by flipping bits, keeping their length', async () => {
    await startProxy();
    proxy.setFaults('upstream', { corrupt: 1 });
    const client = await connect();
    for (let i = 0; i < 50; i++) client.ws.send(frame(i));
    await waitFor('50 frames', () => targetSocket().binary.length === 50);
    targetSocket().binary.forEach((bytes, i) => {
      expect(bytes).toHaveLength(32);
      expect(bytes).not.toEqual(frame(i));
    });
    expect(proxy.stats().upstream.corrupted).toBe(50);
  });

  it('truncates frames to a shorter prefix', async () => {
    await startProxy();
    proxy.setFaults('downstream', { truncate: 1 });
    const client = await connect();
    for (let i = 0; i < 50; i++) targetSocket().ws.send(frame(i));
    await waitFor('50 frames', () => client.binary.length === 50);
    client.binary.forEach((bytes, i) => {
      expect(bytes.length).toBeLessThan(32);
      expect(bytes).toEqual(frame(i).subarray(0, bytes.length));
    });
    expect(proxy.stats().downstream.truncated).toBe(50);
  });

  it('delays frames by at least delayMs and keeps their order under jitter', async () => {
    await startProxy();
    proxy.setFaults('upstream', { delayMs: 40, jitterMs: 40 });
    const client = await connect();
    const sentAt = performance.now();
    for (let i = 0; i < 30; i++) client.ws.send(frame(i));
    await waitFor('30 frames', () => targetSocket().binary.length === 30);
    expect(performance.now() - sentAt).toBeGreaterThanOrEqual(39);
    expect(targetSocket().binary.map(indexOf)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('applies settings changed at runtime to the next frame', async () => {
    await startProxy({ faults: { drop: 1 } });
    const client = await connect();
    client.ws.send(frame(0));
    await waitFor('the drop', () => proxy.stats().upstream.dropped === 1);
    proxy.setFaults('both', {});
    client.ws.send(frame(1));
    await waitFor('the next frame', () => targetSocket().binary.length === 1);
    expect(targetSocket().binary.map(indexOf)).toEqual([1]);
  });

  it('applies role-specific settings only to sockets of that role', async () => {
    await startProxy();
    proxy.setFaults('upstream', { drop: 1 }, 'harness');
    const executor = await connect('/cloud/executor/x/ws?role=executor');
    const harness = await connect('/cloud/executor/x/ws?role=harness');
    harness.ws.send(frame(0));
    executor.ws.send(frame(1));
    await waitFor('the executor frame', () => targetSocket(0).binary.length === 1);
    await waitFor('the harness drop', () => proxy.stats().upstream.dropped === 1);
    expect(targetSocket(0).binary.map(indexOf)).toEqual([1]);
    expect(targetSocket(1).binary).toEqual([]);
  });

  it('blackholes frames and pings for its window, then lets traffic through again', async () => {
    let clock = 0;
    await startProxy({ now: () => clock });
    const client = await connect();
    proxy.blackhole(1000);
    for (let i = 0; i < 10; i++) client.ws.send(frame(i));
    targetSocket().ws.send(frame(99));
    expect(await pingWithTimeout(client.ws, 300)).toBe('timeout');
    await waitFor('11 frames and a ping swallowed', () => {
      const s = proxy.stats();
      return s.upstream.blackholed === 11 && s.downstream.blackholed === 1;
    });
    expect(targetSocket().binary).toEqual([]);
    expect(targetSocket().pings).toBe(0);
    expect(client.binary).toEqual([]);

    clock = 1001;
    client.ws.send(frame(10));
    await waitFor('the frame after the window', () => targetSocket().binary.length === 1);
    expect(targetSocket().binary.map(indexOf)).toEqual([10]);
    expect(await pingWithTimeout(client.ws, 15_000)).toBe('pong');
  });

  it('kills cleanly: both sides get a close frame with code 1001', async () => {
    await startProxy();
    const client = await connect();
    expect(proxy.killAll('clean')).toBe(1);
    await waitFor('both closes', () => client.closed !== undefined && targetSocket().closed !== undefined);
    expect(client.closed?.code).toBe(1001);
    expect(targetSocket().closed?.code).toBe(1001);
    expect(proxy.stats().kills).toEqual({ clean: 1, abrupt: 0, halfOpen: 0 });
    expect(proxy.stats().connections.active).toBe(0);
  });

  it('kills abruptly: both sides lose the connection without a close frame (1006)', async () => {
    await startProxy();
    const client = await connect();
    expect(proxy.killAll('abrupt')).toBe(1);
    await waitFor('both closes', () => client.closed !== undefined && targetSocket().closed !== undefined);
    expect(client.closed?.code).toBe(1006);
    expect(targetSocket().closed?.code).toBe(1006);
  });

  it('kills half-open: nothing is forwarded, pings go unanswered, and the socket never closes', async () => {
    await startProxy();
    const client = await connect();
    expect(await pingWithTimeout(client.ws, 15_000)).toBe('pong');
    expect(proxy.killAll('halfOpen')).toBe(1);
    client.ws.send(frame(0));
    targetSocket().ws.send(frame(1));
    expect(await pingWithTimeout(client.ws, 300)).toBe('timeout');
    expect(client.ws.readyState).toBe(WebSocket.OPEN);
    expect(client.closed).toBeUndefined();
    expect(client.binary).toEqual([]);
    expect(targetSocket().binary).toEqual([]);
    expect(targetSocket().pings).toBe(1);
    expect(targetSocket().closed).toBeUndefined();
    expect(proxy.connections()[0]?.state).toBe('halfOpen');
    expect(proxy.stats().connections.active).toBe(0);
    expect(proxy.killAll('abrupt')).toBe(0);
  });

  it('kills only the sockets of the role asked for', async () => {
    await startProxy();
    const executor = await connect('/cloud/executor/x/ws?role=executor');
    const harness = await connect('/cloud/executor/x/ws?role=harness');
    expect(proxy.killAll('abrupt', { role: 'executor' })).toBe(1);
    await waitFor('the executor close', () => executor.closed !== undefined);
    harness.ws.send(frame(5));
    await waitFor('the harness frame', () => targetSocket(1).binary.length === 1);
    expect(harness.closed).toBeUndefined();
    expect(proxy.connections().map((c) => c.role)).toEqual(['harness']);
  });

  it('kills matching sockets on a schedule until cancelled', async () => {
    await startProxy();
    const cancel = proxy.scheduleKills({ everyMs: 20, mode: ['clean', 'abrupt'] });
    const first = await connect();
    await waitFor('the first kill', () => first.closed !== undefined);
    const second = await connect();
    await waitFor('the second kill', () => second.closed !== undefined);
    cancel();
    const { clean, abrupt } = proxy.stats().kills;
    expect(clean + abrupt).toBeGreaterThanOrEqual(2);
  });

  it('passes close codes and reasons through in both directions', async () => {
    await startProxy();
    const first = await connect();
    first.ws.close(4001, 'bye');
    await waitFor('the target close', () => targetSocket(0).closed !== undefined);
    expect(targetSocket(0).closed).toEqual({ code: 4001, reason: 'bye' });

    const second = await connect();
    targetSocket(1).ws.close(4000, 'replaced');
    await waitFor('the client close', () => second.closed !== undefined);
    expect(second.closed).toEqual({ code: 4000, reason: 'replaced' });
  });

  it('delivers frames already in flight before passing a close on', async () => {
    await startProxy();
    proxy.setFaults('upstream', { delayMs: 30 });
    const client = await connect();
    for (let i = 0; i < 5; i++) client.ws.send(frame(i));
    client.ws.close(1000, 'done');
    await waitFor('the target close', () => targetSocket().closed !== undefined);
    expect(targetSocket().binary.map(indexOf)).toEqual([0, 1, 2, 3, 4]);
    expect(targetSocket().closed).toEqual({ code: 1000, reason: 'done' });
  });

  it("relays the target's refusal of an upgrade with its status and body", async () => {
    await startProxy();
    const ws = new WebSocket(`${proxy.wsUrl}/cloud/executor/x/ws?role=harness&ticket=bad`);
    ws.on('error', () => {});
    const refusal = await new Promise<{ status: number; body: string }>((resolve) => {
      ws.once('unexpected-response', (_req, res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      });
    });
    expect(refusal).toEqual({ status: 401, body: JSON.stringify({ error: 'ticket rejected' }) });
    expect(proxy.stats().connections).toEqual({ opened: 0, active: 0, rejected: 1 });
  });

  it('answers 502 when the target cannot be reached', async () => {
    const deadPort = target.port;
    await target.close();
    target = await startTarget();
    proxy = await startFaultProxy({ target: `http://127.0.0.1:${deadPort}`, seed: SEED });
    const ws = new WebSocket(`${proxy.wsUrl}${PATH}`);
    ws.on('error', () => {});
    const status = await new Promise<number>((resolve) => {
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    });
    expect(status).toBe(502);
  });

  it('rejects bad settings and bad schedules with a clear error', async () => {
    await startProxy();
    expect(() => proxy.setFaults('upstream', { drop: 2 })).toThrow(/drop/);
    expect(() => proxy.blackhole(-1)).toThrow(RangeError);
    expect(() => proxy.scheduleKills({ everyMs: 0, mode: 'clean' })).toThrow(RangeError);
    expect(() => proxy.scheduleKills({ everyMs: 10, mode: [] })).toThrow(RangeError);
  });
});
