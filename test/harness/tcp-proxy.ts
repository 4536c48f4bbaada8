/**
 * A loopback TCP proxy that lets a test cut or starve a client's connection
 * at the transport level, as a flaky network would, without the executor or
 * the client being told.
 */
import net from 'node:net';

export interface TcpProxy {
  readonly port: number;
  /** Connections accepted (and passed on) so far. */
  readonly accepted: number;
  /** Connections closed at once because `refusing` was on. */
  readonly refused: number;
  /** Bytes thrown away toward clients while `losing` was on. */
  readonly lostBytes: number;
  /** Destroys every proxied connection at once (both directions). */
  dropAll(): void;
  /** While on, bytes from the server to clients are thrown away, as if lost in flight. */
  setLosing(on: boolean): void;
  /** While on, new connections are closed at once, as if the server were unreachable. */
  setRefusing(on: boolean): void;
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let accepted = 0;
  let lostBytes = 0;
  let losing = false;
  let refusing = false;
  let refused = 0;
  const server = net.createServer((client) => {
    if (refusing) {
      refused++;
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.on('data', (data: Buffer) => {
      if (losing) lostBytes += data.length;
      else client.write(data);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  const destroyAll = () => {
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
  };
  return {
    port,
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    get lostBytes() {
      return lostBytes;
    },
    dropAll: destroyAll,
    setLosing(on) {
      losing = on;
    },
    setRefusing(on) {
      refusing = on;
    },
    close() {
      destroyAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
