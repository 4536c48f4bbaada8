import { afterEach, describe, expect, it } from 'vitest';
import type { TapCounts } from '../../sim/frame-tap.ts';
import { emitPayloadArgv } from '../../sim/payload.ts';
import { pollUntil } from '../../sim/poll.ts';
import { FAST_EXECUTOR_ARGS, type Stack } from '../../sim/stack.ts';
import { consume, printSeedOnFailure, startRecordedStack, suiteSeed } from './support.ts';

const seed = suiteSeed();
printSeedOnFailure(seed);

const BYTES = 4 * 1024 * 1024;

/** Prometheus text → value per series (`name` or `name{labels}`). */
function parseMetrics(text: string): Map<string, number> {
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    series.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return series;
}

/** The sum of every series of one metric (all its label values). */
function total(series: Map<string, number>, name: string): number {
  let sum = 0;
  for (const [key, value] of series) if (key === name || key.startsWith(`${name}{`)) sum += value;
  return sum;
}

async function scrape(url: string): Promise<Map<string, number>> {
  const response = await fetch(url);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await response.text());
}

let stack: Stack | undefined;

afterEach(async () => {
  await stack?.dispose();
  stack = undefined;
});

describe('executor metrics', () => {
  it('move with what the tap saw the executor send, scraped during and after a lossy transfer', async () => {
    const live = await startRecordedStack({
      seed,
      executorArgs: [...FAST_EXECUTOR_ARGS, '--metrics-listen', '127.0.0.1:0'],
    });
    stack = live;
    const url = (await live.executor.printed(/metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/))[1] as string;
    const shared = await live.sharedSocket();
    const client = await shared.client();
    live.proxy.setFaults('both', { drop: 0.05, duplicate: 0.05, reorder: 0.05 });
    let received = 0;
    let during: Promise<Map<string, number>> | undefined;
    const handle = await client.exec(emitPayloadArgv(seed, BYTES, live.marker));
    const run = await consume(handle, {
      onBytes: (n) => {
        received += n;
        if (during === undefined && received >= BYTES / 3) during = scrape(url);
      },
    });
    expect(run.bytes).toBe(BYTES);
    const first = await (during as Promise<Map<string, number>>);
    expect(first.get('relaykit_processes_running')).toBe(1);
    expect(first.get('relaykit_sessions{state="attached"}')).toBe(1);
    expect(first.get('relaykit_relay_connected')).toBe(1);
    expect(first.get('relaykit_streams_open')).toBe(1);

    // Once every frame is acked, the executor's own counts equal the tap's.
    const tap = () => live.tap?.counts() as TapCounts;
    let last = first;
    await pollUntil(
      'the executor to have sent no more than the tap saw, and its RTT sampled',
      async () => {
        last = await scrape(url);
        const counts = tap();
        const sent = (counts.dataFrames.executor ?? 0) + (counts.retransmissions.executor ?? 0);
        return (
          total(last, 'relaykit_stream_data_transmissions_total') === sent &&
          last.get('relaykit_processes_running') === 0 &&
          (last.get('relaykit_stream_rtt_seconds_count') ?? 0) > 0
        );
      },
      20_000,
    );
    const counts = tap();
    expect(total(last, 'relaykit_stream_data_frames_total')).toBe(counts.dataFrames.executor);
    expect(total(last, 'relaykit_stream_retransmissions_total')).toBe(counts.retransmissions.executor ?? 0);
    expect(total(last, 'relaykit_relay_frames_sent_total')).toBeGreaterThanOrEqual(
      total(last, 'relaykit_stream_data_transmissions_total'),
    );
    expect(total(last, 'relaykit_relay_bytes_sent_total')).toBeGreaterThan(BYTES);
    expect(total(last, 'relaykit_streams_opened_total')).toBe(1);
    expect(total(last, 'relaykit_sessions_created_total')).toBe(1);
    expect(last.get('relaykit_stream_rto_seconds_count')).toBeGreaterThan(0);
    // Counters and histograms never go down between scrapes.
    const counters = [...first.keys()].filter((key) =>
      /^relaykit_.*(_total(\{|$)|_(count|sum|bucket)(\{|$))/.test(key),
    );
    expect(counters.length).toBeGreaterThan(20);
    for (const key of counters) expect(last.get(key), key).toBeGreaterThanOrEqual(first.get(key) as number);

    const harness = shared.stats();
    expect(harness.relaykit_stream_data_transmissions_total).toBe(
      (counts.dataFrames.harness ?? 0) + (counts.retransmissions.harness ?? 0),
    );
    expect(harness.relaykit_streams_opened_total).toBe(1);
    expect(harness.relaykit_relay_frames_received_total).toBeGreaterThan(0);
  });
});
