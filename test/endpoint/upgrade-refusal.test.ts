import { once } from 'node:events';
import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../endpoint/index.ts';
import { readRefusal } from '../../endpoint/ws/upgrade-refusal.ts';
import { ManualClock } from './manual-clock.ts';

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A GET to a loopback server that answers as `answer` does. */
async function responseFrom(
  answer: (res: import('node:http').ServerResponse) => void,
): Promise<IncomingMessage> {
  const server = createServer((_req, res) => answer(res));
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => get(`http://127.0.0.1:${port}/`, resolve));
}

describe('reading a refused upgrade', () => {
  it("takes the status and the body's error code and message", async () => {
    const response = await responseFrom((res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'too_many_harness_sockets', message: 'limit 64' } }));
    });
    expect(await readRefusal(response, systemClock)).toEqual({
      status: 429,
      code: 'too_many_harness_sockets',
      message: 'limit 64',
    });
  });

  it('gives up on a body that never ends, with the status alone', async () => {
    const response = await responseFrom((res) => {
      res.writeHead(429, { 'content-type': 'application/json' });
      res.write('{"error":');
    });
    const clock = new ManualClock();
    const reading = readRefusal(response, clock);
    await new Promise((resolve) => response.once('data', resolve));
    clock.advance(5000);
    expect(await reading).toEqual({ status: 429, code: '', message: '' });
  });
});
