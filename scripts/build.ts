/**
 * Compiles the published package into dist/: JavaScript for Node ≥ 20 plus
 * .d.ts, one file per source file. tsc rather than a bundler: it is the one
 * tool that writes the declarations anyway, rewrites the sources' `.ts`
 * imports to `.js`, and keeps each entry point's shared modules shared (one
 * RpcError class for every entry point, where separate bundles would each
 * carry their own). The worker is compiled with its own (Workers) types.
 *
 *   npm run build      (also run by `npm pack` / `npm publish` through prepack)
 */
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));

rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });
for (const project of ['tsconfig.build.json', 'worker/tsconfig.build.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
}
