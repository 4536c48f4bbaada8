/**
 * How long `relaykit --version` takes to start and exit, against bare Node
 * starting and exiting on the same Node: compiled (as the published package
 * runs it) on the machine's Node, from the sources on the pinned Node 22 (as
 * in a clone), and through npx in the repository.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { machineNode } from '../../sim/machine-node.ts';
import { buildCompiledCli, COMPILED_CLI } from '../lib/processes.ts';
import { summarize } from '../lib/stats.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface StartupRow {
  name: string;
  samples: number[];
  ratio?: string;
}

function wallMs(argv: readonly string[], env: NodeJS.ProcessEnv): number {
  const [file, ...args] = argv as [string, ...string[]];
  const start = process.hrtime.bigint();
  const result = spawnSync(file, args, { cwd: root, env, stdio: 'ignore' });
  if (result.status !== 0) throw new Error(`${argv.join(' ')} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** `runs` samples of each command, interleaved so that drift of the machine hits all alike. */
export function measureStartup(runs: number): StartupRow[] {
  buildCompiledCli();
  const machine = machineNode();
  const commands = [
    { key: 'a', name: `node -e 0, machine Node ${machine.version}`, argv: [machine.node, '-e', '0'] },
    {
      key: 'b',
      base: 'a',
      name: 'relaykit --version, compiled, machine Node',
      argv: [machine.node, COMPILED_CLI, '--version'],
    },
    { key: 'c', name: `node -e 0, pinned Node ${process.version}`, argv: [process.execPath, '-e', '0'] },
    {
      key: 'd',
      base: 'c',
      name: 'relaykit --version, sources, pinned Node',
      argv: [process.execPath, 'bin/relaykit.js', '--version'],
    },
    {
      key: 'e',
      base: 'a',
      name: 'npx relaykit --version in the repository',
      argv: [machine.npm, 'exec', 'relaykit', '--', '--version'],
    },
  ];
  const samples = new Map(commands.map((c) => [c.key, [] as number[]]));
  for (let round = -1; round < runs; round++) {
    for (const { key, argv } of commands) {
      const ms = wallMs(argv, machine.env);
      if (round >= 0) samples.get(key)?.push(ms);
    }
  }
  const median = (key: string) => summarize(samples.get(key) ?? []).median;
  return commands.map(({ key, base, name }) => ({
    name: `${name} (${key})`,
    samples: samples.get(key) ?? [],
    ...(base !== undefined && {
      ratio: `${key}/${base} ${(median(key) / median(base)).toFixed(2)}; ${key} − ${base} ${(median(key) - median(base)).toFixed(0)} ms`,
    }),
  }));
}
