/**
 * Throughput: a process writes N bytes to stdout and the harness receives
 * them (a) through the relay, (b) from a local-mode executor directly;
 * (c) the same bytes over a raw ws loopback connection between two processes
 * with no protocol at all — the physical limit on this machine.
 */
import WebSocket from 'ws';
import type { HarnessClient } from '../../harness/index.ts';
import { MiB } from '../lib/memory.ts';
import { spawnRawWsPeer } from '../lib/processes.ts';
import { msSince, secondsSince } from '../lib/stats.ts';
import type { MeasuredSystem } from '../lib/systems.ts';

/** The chunk a pipe read typically yields, used for the raw baseline's messages too. */
const CHUNK = 64 * 1024;

/** Runs `head -c bytes /dev/zero` and drains its output; returns seconds until exit and all output. */
export async function remoteProducer(client: HarnessClient, bytes: number): Promise<number> {
  const start = process.hrtime.bigint();
  const handle = await client.exec(['head', '-c', String(bytes), '/dev/zero']);
  let received = 0;
  for await (const chunk of handle) received += chunk.data.length;
  const status = await handle.wait();
  const seconds = secondsSince(start);
  if (received !== bytes || status.exitCode !== 0)
    throw new Error(`expected ${bytes} bytes and exit 0, got ${received} bytes, exit ${status.exitCode}`);
  return seconds;
}

export interface RawWsPeer {
  transfer(bytes: number): Promise<number>;
  ping(): Promise<number>;
  close(): Promise<void>;
}

/** One connection to the raw ws peer process, reused across runs. */
export async function openRawWsPeer(): Promise<RawWsPeer> {
  const peer = await spawnRawWsPeer();
  const ws = new WebSocket(peer.ready, { maxPayload: 64 * MiB });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return {
    transfer(bytes) {
      return new Promise((resolve) => {
        let received = 0;
        const start = process.hrtime.bigint();
        const onMessage = (data: Buffer) => {
          received += data.length;
          if (received >= bytes) {
            ws.off('message', onMessage);
            resolve(secondsSince(start));
          }
        };
        ws.on('message', onMessage);
        ws.send(`send ${bytes} ${CHUNK}`);
      });
    },
    ping() {
      return new Promise((resolve) => {
        const start = process.hrtime.bigint();
        ws.once('pong', () => resolve(msSince(start)));
        ws.ping();
      });
    },
    async close() {
      ws.close();
      await peer.stop();
    },
  };
}

export async function measureSystemThroughput(system: MeasuredSystem, bytes: number): Promise<number> {
  const client = await system.connect();
  try {
    return await remoteProducer(client, bytes);
  } finally {
    await client.close();
  }
}
