/**
 * Throughput: a process writes N bytes to stdout and the harness receives
 * them through the relay in both security profiles, (t) cleartext and (s)
 * secure, and (b) from a local-mode executor directly; (c) the same bytes
 * over a raw ws loopback connection between two processes with no protocol
 * at all — the physical limit on this machine. The relay transfers also
 * give the frames the Durable Object routed per MiB of output, read from
 * its own counters: what a hosted rendezvous bills an executor for.
 */
import WebSocket from 'ws';
import type { HarnessClient } from '../../harness/index.ts';
import { SECURE_PROFILE } from '../../proto/secure-relay.ts';
import { MAX_RECORD_PLAINTEXT } from '../../secure/index.ts';
import { MiB } from '../../sim/memory.ts';
import type { WorkerUnderTest } from '../../sim/worker-runner.ts';
import { spawnRawWsPeer } from '../lib/processes.ts';
import { msSince, repeat, secondsSince, summarize } from '../lib/stats.ts';
import { directSystem, type MeasuredSystem, relaySystem } from '../lib/systems.ts';
import { type ProfileTransfer, transferBothProfiles } from './secure.ts';

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

/**
 * The fewest data frames one MiB of output can take on the secure relay:
 * its base64 (4/3 of the bytes) in records of at most 61,440 bytes of
 * plaintext, before any JSON around it.
 */
const SECURE_RECORD_FLOOR_PER_MIB = (MiB * 4) / 3 / MAX_RECORD_PLAINTEXT;

export interface ThroughputRow {
  name: string;
  unit: string;
  samples: number[];
  ratio?: string;
}

export interface ThroughputSettings {
  runs: number;
  warmup: number;
  throughputBytes: number;
}

const median = (values: number[]) => summarize(values).median;
const fixed = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** Raw ws, direct and the relay in both profiles, interleaved so that drift of the machine hits all alike. */
export async function measureThroughput(
  worker: WorkerUnderTest,
  settings: ThroughputSettings,
): Promise<{ rows: ThroughputRow[]; raw: unknown }> {
  const bytes = settings.throughputBytes;
  const rawWs = await openRawWsPeer();
  const direct = await directSystem();
  const cleartext = await relaySystem(worker, { securityProfile: 'cleartext' });
  const secure = await relaySystem(worker, { securityProfile: SECURE_PROFILE });
  try {
    const mibps = { raw: [] as number[], direct: [] as number[] };
    const relay = { cleartext: [] as ProfileTransfer[], secure: [] as ProfileTransfer[] };
    await repeat(settings.runs, settings.warmup, async (round) => {
      const r = bytes / MiB / (await rawWs.transfer(bytes));
      const d = bytes / MiB / (await measureSystemThroughput(direct, bytes));
      const both = await transferBothProfiles(worker, { cleartext, secure }, bytes, round);
      if (round < 0) return;
      mibps.raw.push(r);
      mibps.direct.push(d);
      relay.cleartext.push(both.cleartext);
      relay.secure.push(both.secure);
    });
    const mb = `${bytes / MiB} MiB`;
    const raw = median(mibps.raw);
    const dir = median(mibps.direct);
    const rows: ThroughputRow[] = [
      { name: `raw ws loopback, ${mb} (c)`, unit: 'MiB/s', samples: mibps.raw },
      {
        name: `direct (local executor), ${mb} (b)`,
        unit: 'MiB/s',
        samples: mibps.direct,
        ratio: `b/c ${fixed(dir / raw, 3)}`,
      },
    ];
    for (const [profile, letter] of [
      ['cleartext', 't'],
      ['secure', 's'],
    ] as const) {
      const samples = relay[profile].map((x) => x.mibps);
      rows.push({
        name: `relay ${profile} (Miniflare), ${mb} (${letter})`,
        unit: 'MiB/s',
        samples,
        ratio: `${letter}/b ${fixed(median(samples) / dir, 3)}; ${letter}/c ${fixed(median(samples) / raw, 3)}`,
      });
    }
    for (const profile of ['cleartext', 'secure'] as const) {
      const runs = relay[profile];
      const out = runs.map((x) => x.framesPerMiB.executorToHarness);
      const back = runs.map((x) => x.framesPerMiB.harnessToExecutor);
      const total = runs.map((x) => x.framesPerMiB.executorToHarness + x.framesPerMiB.harnessToExecutor);
      rows.push({
        name: `DO frames per MiB of output, ${profile}, executor → harness`,
        unit: 'frames/MiB',
        samples: out,
      });
      rows.push({
        name: `DO frames per MiB of output, ${profile}, harness → executor`,
        unit: 'frames/MiB',
        samples: back,
      });
      rows.push({
        name: `DO frames per MiB of output, ${profile}, both ways`,
        unit: 'frames/MiB',
        samples: total,
        ...(profile === 'secure' && {
          ratio: `${fixed(median(total) / SECURE_RECORD_FLOOR_PER_MIB, 3)} of the record floor (${fixed(SECURE_RECORD_FLOOR_PER_MIB, 1)})`,
        }),
      });
    }
    return { rows, raw: { bytes, mibps, relay } };
  } finally {
    await rawWs.close();
    await direct.stop();
    await cleartext.stop();
    await secure.stop();
  }
}
