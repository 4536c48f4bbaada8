#!/usr/bin/env node
// The published package runs the compiled CLI (dist/, Node ≥ 20). A clone of
// the repository runs the TypeScript sources through Node's type stripping
// (Node ≥ 22.18, which npm scripts and `npx relaykit` bring along).
import { existsSync } from 'node:fs';

const sources = new URL('../cli/main.ts', import.meta.url);
if (!existsSync(sources)) {
  await import('../dist/cli/main.js');
} else {
  const [major, minor] = process.versions.node.split('.').map(Number);
  if (major < 22 || (major === 22 && minor < 18)) {
    process.stderr.write(
      `relaykit: Node ${process.versions.node} is too old to run the sources; run it through npm (npx relaykit …) to use the project's Node 22, or install Node ≥ 22.18\n`,
    );
    process.exit(1);
  }
  await import(sources.href);
}
