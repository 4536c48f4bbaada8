/**
 * Latency: round trip of a small `process/write` to `cat` until its echo
 * arrives as output, under a PTY and with pipes; and the raw ws ping/pong
 * between two processes as the floor.
 */
import hdr from 'hdr-histogram-js';
import type { HarnessClient } from '../../harness/index.ts';
import { msSince } from '../lib/stats.ts';

export interface Percentiles {
  p50: number;
  p90: number;
  p99: number;
  samples: number;
}

/** Collects `samples` round trips (ms) into an HDR histogram with µs resolution. */
export async function percentilesOf(samples: number, once: () => Promise<number>): Promise<Percentiles> {
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  for (let i = 0; i < samples; i++) histogram.recordValue(Math.max(1, Math.round((await once()) * 1000)));
  const result = {
    p50: histogram.getValueAtPercentile(50) / 1000,
    p90: histogram.getValueAtPercentile(90) / 1000,
    p99: histogram.getValueAtPercentile(99) / 1000,
    samples,
  };
  histogram.destroy();
  return result;
}

export interface EchoProcess {
  /** One write and its echo; ms from the write call to the echo's arrival. */
  roundTrip(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts `cat` (under a PTY with echo off, or on pipes) whose output echoes each write. */
export async function startEcho(client: HarnessClient, tty: boolean): Promise<EchoProcess> {
  const argv = tty ? ['sh', '-c', 'stty -echo; echo ready; exec cat'] : ['cat'];
  const handle = await client.exec(argv, tty ? { tty: true } : { pipeStdin: true });
  const iterator = handle[Symbol.asyncIterator]();
  let buffered = '';
  const waitFor = async (token: string) => {
    while (!buffered.includes(token)) {
      const next = await iterator.next();
      if (next.done) throw new Error('echo process ended');
      buffered += Buffer.from(next.value.data).toString('latin1');
    }
    buffered = buffered.slice(buffered.indexOf(token) + token.length);
  };
  if (tty) await waitFor('ready');
  let counter = 0;
  return {
    async roundTrip() {
      const token = `t${++counter}x`;
      const start = process.hrtime.bigint();
      const written = handle.write(`${token}\n`);
      await waitFor(token);
      const ms = msSince(start);
      await written;
      return ms;
    },
    async stop() {
      await handle.terminate().catch(() => undefined);
      await handle.wait().catch(() => undefined);
    },
  };
}
