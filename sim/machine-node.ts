/**
 * The machine's own Node and npm, as a user without this repository has
 * them: the first `node` and `npm` on PATH outside any node_modules (npm
 * scripts put the project's pinned Node 22 first).
 */
import { execFileSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join, sep } from 'node:path';

export interface MachineNode {
  node: string;
  npm: string;
  /** `node --version`, e.g. v20.20.2. */
  version: string;
  /** The environment to run them in: the machine's PATH, no npm_* variables of the running script. */
  env: NodeJS.ProcessEnv;
}

function onPath(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    try {
      accessSync(join(dir, name), constants.X_OK);
      return join(dir, name);
    } catch {}
  }
  return undefined;
}

export function machineNode(): MachineNode {
  const dirs = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir !== '' && !dir.split(sep).includes('node_modules'));
  const node = onPath('node', dirs);
  const npm = onPath('npm', dirs);
  if (node === undefined || npm === undefined) {
    throw new Error(
      `no ${node === undefined ? 'node' : 'npm'} on PATH outside node_modules (${dirs.join(delimiter)}): ` +
        "this test installs the package with the machine's own Node and npm",
    );
  }
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(npm_|NODE_OPTIONS$|INIT_CWD$)/i.test(key)),
  );
  env.PATH = [dirname(node), ...dirs].join(delimiter);
  const version = execFileSync(node, ['--version'], { encoding: 'utf8', env }).trim();
  return { node, npm, version, env };
}
