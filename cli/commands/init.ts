/**
 * `relaykit init rendezvous DIR`: writes a wrangler project that deploys the
 * rendezvous worker from the relaykit package, so deploying needs no clone
 * of the repository.
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Argument, Command } from 'commander';
import { CliError } from '../errors.ts';
import { packageInfo } from '../package-info.ts';

/** wrangler.toml of the rendezvous; the repository's own differs only in `main`. */
export function rendezvousWranglerToml(main: string): string {
  return `name = "relaykit"
main = "${main}"
compatibility_date = "2026-07-01"
send_metrics = false

[[durable_objects.bindings]]
name = "EXECUTOR_RELAY"
class_name = "ExecutorRelay"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["ExecutorRelay"]
`;
}

function rendezvousFiles(name: string): Record<string, string> {
  const packageJson = {
    name,
    private: true,
    type: 'module',
    scripts: { dev: 'wrangler dev', deploy: 'wrangler deploy' },
    dependencies: { relaykit: `^${packageInfo.version}` },
    devDependencies: { wrangler: packageInfo.devDependencies.wrangler },
  };
  return {
    'package.json': `${JSON.stringify(packageJson, null, 2)}\n`,
    'wrangler.toml': rendezvousWranglerToml('worker.js'),
    'worker.js': "export { default, ExecutorRelay } from 'relaykit/worker';\n",
    '.gitignore': 'node_modules/\n.wrangler/\n.dev.vars\n',
  };
}

function writeRendezvous(dir: string): void {
  if (existsSync(dir) && readdirSync(dir).length > 0) throw new CliError(`${dir} is not empty`);
  const name =
    basename(resolve(dir))
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-') || 'relaykit-rendezvous';
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(rendezvousFiles(name))) writeFileSync(join(dir, file), text);
  process.stdout.write(`wrote a wrangler project for the rendezvous in ${dir}; deploy it with:
  cd ${dir}
  npm install
  npx wrangler deploy
  openssl rand -base64 32                # a fresh signing key: keep it, tokens are minted with it
  npx wrangler secret put SIGNING_KEY    # paste the key when asked
`);
}

export function initCommand(): Command {
  return new Command('init')
    .addArgument(new Argument('<template>', 'what to write').choices(['rendezvous']))
    .argument('<dir>', 'the folder to write it in (created if missing; must be empty)')
    .action((_template: string, dir: string) => writeRendezvous(dir));
}
