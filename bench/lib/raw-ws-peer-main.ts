/**
 * The raw WebSocket baseline's far end, in its own process like an executor:
 * listens on loopback and prints its URL. A client that sends the text
 * `send N CHUNK` gets N bytes as binary messages of CHUNK bytes, sent with
 * backpressure (each send waits while more than 1 MiB is queued); pings are
 * answered by ws itself.
 */
import { WebSocketServer } from 'ws';

const HIGH_WATER = 1024 * 1024;

const server = new WebSocketServer({ host: '127.0.0.1', port: 0, maxPayload: 64 * 1024 * 1024 });
server.on('listening', () => {
  const address = server.address();
  if (typeof address === 'object' && address !== null)
    process.stdout.write(`ws://127.0.0.1:${address.port}\n`);
});
server.on('connection', (ws) => {
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    const [verb, total, chunk] = data.toString().split(' ');
    if (verb !== 'send') return;
    let left = Number(total);
    const payload = Buffer.alloc(Number(chunk));
    const pump = () => {
      while (left > 0 && ws.bufferedAmount < HIGH_WATER) {
        const n = Math.min(left, payload.length);
        ws.send(n === payload.length ? payload : payload.subarray(0, n), { binary: true });
        left -= n;
      }
      if (left > 0) setImmediate(pump);
    };
    pump();
  });
});
process.once('SIGTERM', () => {
  server.close();
  process.exit(0);
});
