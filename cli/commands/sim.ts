/**
 * `relaykit sim`: runs the real stack (rendezvous under Miniflare, fault
 * proxy, executor process, harness clients) with injected faults and
 * reports goodput, retransmissions, resets, recoveries and the verdict.
 */
import { resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseSize } from '../../sim/payload.ts';
import { DEFAULT_SETTINGS, SCENARIOS, type SimSettings } from '../../sim/scenarios.ts';
import { writeTimeline } from '../../sim/timeline/page.ts';
import type { TimelineData } from '../../sim/timeline/timeline-data.ts';
import { CliError } from '../errors.ts';

interface SimFlags {
  scenario?: string;
  drop?: number;
  dup?: number;
  reorder?: number;
  delay?: number;
  killEvery?: number;
  deployEvery?: number;
  streams?: number;
  bytes?: number;
  seed?: number;
  json?: boolean;
  timeline?: string;
}

function probability(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0 && n <= 1))
    throw new InvalidArgumentError('must be a probability in [0, 1]');
  return n;
}

function nonNegative(value: string): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n >= 0)) throw new InvalidArgumentError('must be a number ≥ 0');
  return n;
}

function streamCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new InvalidArgumentError('must be an integer in 1..64');
  return n;
}

function size(value: string): number {
  try {
    return parseSize(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function seed(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n >>> 0;
}

function resolveSettings(flags: SimFlags): SimSettings {
  let base: SimSettings = { ...DEFAULT_SETTINGS };
  if (flags.scenario !== undefined) {
    const scenario = SCENARIOS[flags.scenario];
    if (!scenario) {
      throw new CliError(
        `unknown scenario ${JSON.stringify(flags.scenario)}; one of: ${Object.keys(SCENARIOS).join(', ')}`,
        2,
      );
    }
    base = { ...base, ...scenario.settings };
  }
  const pick = <K extends keyof SimSettings>(key: K, value: SimSettings[K] | undefined) => {
    if (value !== undefined) base[key] = value;
  };
  pick('drop', flags.drop);
  pick('dup', flags.dup);
  pick('reorder', flags.reorder);
  pick('delayMs', flags.delay);
  pick('killEverySec', flags.killEvery);
  pick('deployEverySec', flags.deployEvery);
  pick('streams', flags.streams);
  pick('bytes', flags.bytes);
  pick('seed', flags.seed);
  if (base.bytes < 1) throw new CliError('--bytes must be at least 1', 2);
  return base;
}

/** Writes the timeline page and says where on stderr (stdout may carry the JSON report). */
function saveTimeline(file: string, data: TimelineData): void {
  const path = resolve(file);
  try {
    writeTimeline(path, data);
  } catch (err) {
    throw new CliError(`cannot write the timeline to ${path}: ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
  process.stderr.write(`relaykit sim: timeline written to ${path}\n`);
}

/** The sim runs the worker under Miniflare, a development dependency that the published package lacks. */
function needsRepository(err: NodeJS.ErrnoException): never {
  if (err.code !== 'ERR_MODULE_NOT_FOUND') throw err;
  throw new CliError(
    'the sim runs the rendezvous under Miniflare, a development dependency: run it in a clone of the repository (npm ci && npx relaykit sim)',
  );
}

export function simCommand(): Command {
  const scenarioHelp = Object.entries(SCENARIOS)
    .map(([name, s]) => `${name} (${s.description})`)
    .join('; ');
  return new Command('sim')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addOption(new Option('--scenario <name>', `a preset: ${scenarioHelp}`))
    .option('--drop <p>', 'drop probability per frame, both legs', probability)
    .option('--dup <p>', 'duplication probability per frame', probability)
    .option('--reorder <p>', 'reorder probability per frame', probability)
    .option('--delay <ms>', 'delay added to every frame', nonNegative)
    .option('--kill-every <s>', 'kill every socket this often (seconds)', nonNegative)
    .option('--deploy-every <s>', 'evict the Durable Object and drop every socket this often', nonNegative)
    .option('--streams <n>', 'concurrent streams (default 2)', streamCount)
    .option('--bytes <size>', 'output per stream, e.g. 512k, 4MiB (default 4MiB)', size)
    .option('--seed <n>', 'seed of every fault decision (default 1)', seed)
    .option('--json', 'print the report as JSON on stdout')
    .option('--timeline <file>', 'write a timeline of every stream (a self-contained HTML page) to this file')
    .action(async (flags: SimFlags) => {
      const settings = resolveSettings(flags);
      const { runSim } = await import('../../sim/run.ts').catch(needsRepository);
      const { formatReport } = await import('../../sim/report.ts');
      const { SingleBar, Presets } = (await import('cli-progress')).default;
      const bar = new SingleBar(
        {
          stream: process.stderr,
          format: 'relaykit sim [{bar}] {percentage}% | {value}/{total} bytes | {duration}s',
          noTTYOutput: false,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(settings.streams * settings.bytes, 0);
      let received = 0;
      let timeline: TimelineData | undefined;
      const report = await runSim(settings, {
        onProgress: (n) => {
          received += n;
          bar.update(received);
        },
        ...(flags.timeline !== undefined && { onTimeline: (data: TimelineData) => (timeline = data) }),
      }).finally(() => {
        bar.stop();
        if (flags.timeline !== undefined && timeline !== undefined) saveTimeline(flags.timeline, timeline);
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
      if (report.verdict !== 'ok') throw new CliError('verdict: FAIL (bytes lost, duplicated or altered)', 1);
    });
}
