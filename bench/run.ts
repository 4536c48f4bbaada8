/**
 * Runs the benchmarks of relaykit side by side in one process and one run:
 * throughput, latency, scale, loss and memory of relay against direct against
 * raw ws, plus the Durable Object's routing rate and micro-benchmarks of the
 * hot paths. Prints a table and writes bench/results.json.
 *
 *   npm run bench                                   full run (several minutes)
 *   npm run bench -- --quick                        smaller sizes, fewer runs (about a minute)
 *   npm run bench -- --only throughput,latency      a subset
 *   npm run bench -- --runs 7 --out /tmp/r.json
 *   npm run bench -- --security-profile cleartext   relay suites on the cleartext relay
 *
 * Suites: micro, startup, routing, secure, throughput, latency, scale, loss,
 * memory. `secure` and `throughput` measure both profiles side by side; the
 * other relay suites run in `--security-profile` (default the secure relay).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { SECURE_PROFILE, SECURITY_PROFILES, type SecurityProfile } from '../proto/secure-relay.ts';
import { MiB } from '../sim/memory.ts';
import { startWorker, type WorkerUnderTest } from '../sim/worker-runner.ts';
import { describeMachine, machineLine } from './lib/machine.ts';
import { repeat, summarize } from './lib/stats.ts';
import { directSystem, relaySystem } from './lib/systems.ts';
import { formatTable, type Row, tableLines } from './lib/table.ts';
import { percentilesOf, startEcho } from './suites/latency.ts';
import { lossSetup, type RtoMode } from './suites/loss.ts';
import { LIBRARY_FLOOR_KEY, measureIdleRssEverywhere, measureMemory } from './suites/memory.ts';
import { runMicro } from './suites/micro.ts';
import { openRoutingPair } from './suites/routing.ts';
import { measureScaleSize } from './suites/scale.ts';
import { measureSecure } from './suites/secure.ts';
import { measureStartup } from './suites/startup.ts';
import { measureThroughput, openRawWsPeer } from './suites/throughput.ts';

const SUITES = [
  'micro',
  'startup',
  'routing',
  'secure',
  'throughput',
  'latency',
  'scale',
  'loss',
  'memory',
] as const;
type SuiteName = (typeof SUITES)[number];

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    out: { type: 'string' },
    'throughput-mib': { type: 'string' },
    'security-profile': { type: 'string' },
  },
});
const securityProfile = (values['security-profile'] ?? SECURE_PROFILE) as SecurityProfile;
if (!SECURITY_PROFILES.includes(securityProfile)) {
  throw new Error(`--security-profile must be one of ${SECURITY_PROFILES.join(', ')}`);
}
const quick = values.quick ?? false;
const selected = new Set<SuiteName>(
  values.only === undefined ? SUITES : (values.only.split(',').map((s) => s.trim()) as SuiteName[]),
);
for (const s of selected)
  if (!SUITES.includes(s)) throw new Error(`unknown suite ${s}; pick from ${SUITES.join(', ')}`);

const settings = {
  quick,
  securityProfile,
  runs: Number(values.runs ?? (quick ? 3 : 5)),
  warmup: 1,
  throughputBytes: Number(values['throughput-mib'] ?? (quick ? 16 : 256)) * MiB,
  latencySamples: quick ? 300 : 2000,
  scaleStreams: quick ? [10, 100] : [10, 100, 1000, 10_000],
  lossBytes: (quick ? 4 : 32) * MiB,
  lossDrops: [0, 0.01, 0.05, 0.1],
  memoryBytes: (quick ? [16, 64] : [64, 256]).map((m) => m * MiB),
  memoryReaderMiBps: 32,
  microMs: quick ? 150 : 500,
  routingFrames: quick ? { small: 5000, large: 1000 } : { small: 50_000, large: 5000 },
  handshakeSamples: quick ? 50 : 200,
};

const rows: Row[] = [];
const raw: Record<string, unknown> = {};
const problems: string[] = [];

const steps = selected.size;
const bar = new cliProgress.SingleBar(
  {
    format: 'bench [{bar}] {value}/{total} {step}',
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: true,
    notTTYSchedule: 10_000,
  },
  cliProgress.Presets.shades_classic,
);
bar.start(steps, 0, { step: '' });
const step = (label: string) => bar.update({ step: label });

const fmt = (v: number, digits = 1) => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
const add = (suite: SuiteName, name: string, unit: string, samples: number[], ratio?: string) =>
  rows.push({ suite, name, unit, summary: summarize(samples), ...(ratio !== undefined && { ratio }) });
const median = (samples: number[]) => summarize(samples).median;

async function suiteMicro(): Promise<void> {
  const runs = await repeat(settings.runs, 0, async () => runMicro(settings.microMs));
  const first = runs[0] ?? [];
  for (const [i, r] of first.entries()) {
    const perMiB = r.mibPerSec !== undefined;
    const samples = runs.map((run) => (perMiB ? run[i]?.mibPerSec : run[i]?.opsPerSec) ?? Number.NaN);
    add('micro', r.name, perMiB ? 'MiB/s' : 'ops/s', samples);
  }
  raw.micro = runs;
}

function suiteStartup(): void {
  const measured = measureStartup(quick ? 10 : 30);
  for (const m of measured) add('startup', m.name, 'ms', m.samples, m.ratio);
  raw.startup = measured;
}

async function suiteRouting(worker: WorkerUnderTest): Promise<void> {
  const pair = await openRoutingPair(worker);
  try {
    const out: Record<string, number[]> = {};
    for (const [bytes, frames] of [
      [1024, settings.routingFrames.small],
      [60 * 1024, settings.routingFrames.large],
    ] as const) {
      for (const direction of ['harness → executor', 'executor → harness'] as const) {
        const seconds = await repeat(settings.runs, settings.warmup, () =>
          pair.pump(direction, bytes, frames),
        );
        const key = `DO routing ${bytes / 1024} KiB frames, ${direction}`;
        out[key] = seconds.map((s) => frames / s);
        add('routing', key, 'frames/s', out[key]);
      }
    }
    raw.routing = out;
  } finally {
    await pair.close();
  }
}

async function suiteSecure(worker: WorkerUnderTest): Promise<void> {
  const measured = await measureSecure(worker, settings);
  for (const r of measured.rows) add('secure', r.name, r.unit, r.samples, r.ratio);
  raw.secure = measured.raw;
}

async function suiteThroughput(worker: WorkerUnderTest): Promise<void> {
  const measured = await measureThroughput(worker, settings);
  for (const r of measured.rows) add('throughput', r.name, r.unit, r.samples, r.ratio);
  raw.throughput = measured.raw;
}

async function suiteLatency(worker: WorkerUnderTest): Promise<void> {
  const samples = settings.latencySamples;
  const rawWs = await openRawWsPeer();
  const direct = await directSystem();
  const relay = await relaySystem(worker, { securityProfile });
  const directClient = await direct.connect();
  const relayClient = await relay.connect();
  const echoes = {
    'direct pipe': await startEcho(directClient, false),
    'direct pty': await startEcho(directClient, true),
    'relay pipe': await startEcho(relayClient, false),
    'relay pty': await startEcho(relayClient, true),
  };
  try {
    const results: Record<string, { p50: number; p90: number; p99: number }[]> = { 'raw ws ping': [] };
    for (const name of Object.keys(echoes)) results[name] = [];
    await repeat(settings.runs, settings.warmup, async (round) => {
      const rawP = await percentilesOf(samples, () => rawWs.ping());
      if (round >= 0) results['raw ws ping']?.push(rawP);
      for (const [name, echo] of Object.entries(echoes)) {
        const p = await percentilesOf(samples, () => echo.roundTrip());
        if (round >= 0) results[name]?.push(p);
      }
    });
    for (const [name, reps] of Object.entries(results)) {
      for (const q of ['p50', 'p90', 'p99'] as const) {
        const values = reps.map((r) => r[q]);
        let ratio: string | undefined;
        if (q === 'p50' && name.startsWith('relay')) {
          const directName = name.replace('relay', 'direct');
          const base = median((results[directName] ?? []).map((r) => r.p50));
          ratio = `relay − direct ${fmt(median(values) - base, 3)} ms`;
        }
        add('latency', `${name} round trip ${q}`, 'ms', values, ratio);
      }
    }
    raw.latency = { samplesPerRun: samples, results };
  } finally {
    for (const echo of Object.values(echoes)) await echo.stop();
    await directClient.close();
    await relayClient.close();
    await rawWs.close();
    await direct.stop();
    await relay.stop();
  }
}

/** Rows of one scale size; `label` names the runs (`1000 streams`, …). */
function addScaleRows(
  label: string,
  streams: number,
  { shape, runs }: Awaited<ReturnType<typeof measureScaleSize>>,
) {
  const failed = runs.reduce((s, r) => s + r.failed, 0);
  if (failed > 0)
    problems.push(
      `scale ${label}: ${failed} stream runs failed (${runs.find((r) => r.firstError)?.firstError})`,
    );
  const completed = runs.reduce((s, r) => s + r.completed, 0);
  const how = shape.hold ? 'all open at once' : `at most ${shape.sockets * shape.streamsPerSocket} at once`;
  add(
    'scale',
    `${label}: per-stream completion, p50`,
    'ms',
    runs.map((r) => r.perStreamMs.median),
    `${shape.sockets} harness socket(s) × ${shape.streamsPerSocket}, ${how}; ${completed}/${streams * runs.length} completed`,
  );
  add(
    'scale',
    `${label}: per-stream completion, p99`,
    'ms',
    runs.map((r) => r.perStreamMs.p99),
  );
  add(
    'scale',
    `${label}: all completed (wall)`,
    's',
    runs.map((r) => r.wallMs / 1000),
  );
  add(
    'scale',
    `${label}: executor peak RSS`,
    'MiB',
    runs.map((r) => r.executorPeakRssBytes / MiB),
  );
}

async function suiteScale(worker: WorkerUnderTest): Promise<void> {
  const out: Record<string, unknown[]> = {};
  for (const streams of settings.scaleStreams) {
    const measured = await measureScaleSize(worker, streams, settings, securityProfile);
    out[String(streams)] = measured.runs;
    addScaleRows(`${streams} streams`, streams, measured);
  }
  // The containment an executor without root (or a writable cgroup) gets, at the largest size held at once.
  const streams = Math.max(...settings.scaleStreams.filter((n) => n <= 1000));
  const groups = await measureScaleSize(worker, streams, settings, securityProfile, 'process-group');
  out[`${streams}, process groups`] = groups.runs;
  addScaleRows(`${streams} streams, process-group containment`, streams, groups);
  raw.scale = out;
}

async function suiteLoss(worker: WorkerUnderTest): Promise<void> {
  const out: Record<string, Record<string, number[]>> = {};
  for (const mode of ['adaptive', 'fixed'] as RtoMode[]) {
    const setup = await lossSetup(worker, mode, settings.lossBytes, securityProfile);
    const goodput: Record<string, number[]> = {};
    try {
      await repeat(settings.runs, settings.warmup, async (round) => {
        for (const drop of settings.lossDrops) {
          const mibps = settings.lossBytes / MiB / (await setup.run(drop));
          if (round < 0) continue;
          const key = String(drop);
          goodput[key] = [...(goodput[key] ?? []), mibps];
        }
      });
    } finally {
      await setup.close();
    }
    out[mode] = goodput;
    const lossless = median(goodput['0'] ?? []);
    const label = mode === 'adaptive' ? 'adaptive RTO + fast rtx' : 'fixed 500 ms RTO';
    for (const drop of settings.lossDrops) {
      const values = goodput[String(drop)] ?? [];
      add(
        'loss',
        `${label}, ${drop * 100}% drop`,
        'MiB/s',
        values,
        drop === 0 ? 'lossless baseline' : `${fmt(median(values) / lossless, 3)} of lossless`,
      );
    }
  }
  raw.loss = { bytes: settings.lossBytes, goodputMiBps: out };
}

async function suiteMemory(worker: WorkerUnderTest): Promise<void> {
  const out: Record<string, unknown[]> = {};
  const idle = await measureIdleRssEverywhere(worker, settings.runs);
  const floor = median(idle[LIBRARY_FLOOR_KEY] ?? []);
  for (const [key, values] of Object.entries(idle))
    add(
      'memory',
      key,
      'MiB',
      values,
      key === LIBRARY_FLOOR_KEY ? 'baseline' : `${fmt(median(values) / floor, 2)} of the floor`,
    );
  raw.memoryIdle = idle;
  for (const bytes of settings.memoryBytes) {
    // Sources and compiled take turns, so both see the same machine.
    const runs = await repeat(settings.runs, 0, async () => ({
      sources: await measureMemory(worker, bytes, settings.memoryReaderMiBps, securityProfile, false),
      compiled: await measureMemory(worker, bytes, settings.memoryReaderMiBps, securityProfile, true),
    }));
    out[String(bytes)] = runs;
    const mb = `${bytes / MiB} MiB output, reader ${settings.memoryReaderMiBps} MiB/s`;
    for (const build of ['sources', 'compiled'] as const)
      add(
        'memory',
        `executor peak RSS, ${mb}, ${build}`,
        'MiB',
        runs.map((r) => r[build].executorPeakRssBytes / MiB),
      );
    add(
      'memory',
      `harness peak RSS, ${mb}`,
      'MiB',
      runs.flatMap((r) => [r.sources.harnessPeakRssBytes / MiB, r.compiled.harnessPeakRssBytes / MiB]),
    );
  }
  raw.memory = out;
}

const machine = describeMachine();
let worker: WorkerUnderTest | undefined;
const needsWorker = [...selected].some((s) => s !== 'micro' && s !== 'startup');
try {
  if (needsWorker) worker = await startWorker();
  for (const suite of SUITES) {
    if (!selected.has(suite)) continue;
    step(suite);
    try {
      if (suite === 'micro') await suiteMicro();
      else if (suite === 'startup') await suiteStartup();
      else if (worker !== undefined) {
        const run = {
          routing: suiteRouting,
          secure: suiteSecure,
          throughput: suiteThroughput,
          latency: suiteLatency,
          scale: suiteScale,
          loss: suiteLoss,
          memory: suiteMemory,
        }[suite];
        await run(worker);
      }
    } catch (err) {
      problems.push(`${suite}: could not be measured: ${(err as Error).stack ?? err}`);
    }
    bar.increment();
  }
} finally {
  bar.stop();
  await worker?.dispose();
}

const headers = ['measurement', 'median', 'min–max', 'IQR', 'unit', 'vs baseline'];
console.log(`relaykit benchmarks — ${machineLine(machine)}`);
console.log(
  `${settings.runs} runs after ${settings.warmup} warm-up${quick ? ' (--quick)' : ''}; median, range and interquartile range of the runs\n`,
);
console.log(formatTable(headers, tableLines(rows)));
if (problems.length > 0) {
  console.log('\nnot measured / failed:');
  for (const p of problems) console.log(`  - ${p}`);
}
const outPath = values.out ?? fileURLToPath(new URL('./results.json', import.meta.url));
writeFileSync(
  outPath,
  `${JSON.stringify({ machine, settings, suites: [...selected], rows, raw, problems }, null, 2)}\n`,
);
console.log(`\nwritten ${outPath}`);
process.exit(0);
